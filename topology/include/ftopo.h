/* The topology library: include this one header. */
#ifndef FTOPO_H
#define FTOPO_H

#include "ftopo/status.h"
#include "ftopo/fabric.h"
#include "ftopo/io.h"
#include "ftopo/discover.h"
#include "ftopo/gen.h"
#include "ftopo/route.h"
#include "ftopo/route_engine.h"
#include "ftopo/plan.h"

#endif

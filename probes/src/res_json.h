/* A probe result as JSON. */
#ifndef FPROBE_RES_JSON_H
#define FPROBE_RES_JSON_H

#include <json-c/json.h>

#include "proto.h"

json_object *fprobe_result_json(const struct fprobe_req *req, const char *target,
                                const struct fprobe_result *res);

#endif

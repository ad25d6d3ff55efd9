/* The inventory as a json-c object (the caller puts it). */
#ifndef FPROBE_INV_JSON_H
#define FPROBE_INV_JSON_H

#include <json-c/json.h>

#include "inventory.h"

json_object *fprobe_inventory_json(const struct fprobe_inventory *inv);

#endif

/* An event as the JSON object the event log stores and the API serves:
 * {"id", "time" (Unix seconds), "type" (fabd_event_type_str), "guid_a"
 * and "guid_b" ("0x%016x"), "port_a", "port_b", "desc_a", "desc_b",
 * "plan_id", "value", "message"}. The caller owns the object
 * (json_object_put). */
#ifndef FABD_EVENTS_JSON_H
#define FABD_EVENTS_JSON_H

#include <json-c/json.h>

#include "state.h"

json_object *fabd_event_to_json(const fabd_event *ev);

#endif

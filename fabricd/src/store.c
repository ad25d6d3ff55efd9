/* What survives a restart, under opts.state_dir:
 *   events.jsonl    one JSON object per event, appended as they happen
 *                   (compacted to the newest max_events at start);
 *   topology.json   the last discovered fabric (the project's JSON format),
 *                   the base the first sweep after a restart diffs against;
 *   down-links.json links known before and missing now.
 * Files are replaced by writing a temporary file and renaming it, so a crash
 * leaves the old or the new version, never half of one. */
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core_int.h"
#include "events_json.h"
#include "ftopo/io.h"

static void state_path(const fabd_core *core, const char *name, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s/%s", core->opts.state_dir, name);
}

static void json_add_guid(json_object *o, const char *key, uint64_t guid)
{
    char text[24];
    snprintf(text, sizeof(text), "0x%016" PRIx64, guid);
    json_object_object_add(o, key, json_object_new_string(text));
}

static uint64_t json_get_guid(json_object *o, const char *key)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v))
        return 0;
    return strtoull(json_object_get_string(v), NULL, 16);
}

static const char *json_get_str(json_object *o, const char *key)
{
    json_object *v;
    return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : "";
}

static int64_t json_get_int(json_object *o, const char *key)
{
    json_object *v;
    return json_object_object_get_ex(o, key, &v) ? json_object_get_int64(v) : 0;
}

static double json_get_double(json_object *o, const char *key)
{
    json_object *v;
    return json_object_object_get_ex(o, key, &v) ? json_object_get_double(v) : 0;
}

/* ---- Event log ---------------------------------------------------------------- */

json_object *fabd_event_to_json(const fabd_event *ev)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "id", json_object_new_int64((int64_t)ev->id));
    json_object_object_add(o, "time", json_object_new_double(ev->time));
    json_object_object_add(o, "type", json_object_new_string(fabd_event_type_str(ev->type)));
    json_add_guid(o, "guid_a", ev->guid_a);
    json_object_object_add(o, "port_a", json_object_new_int(ev->port_a));
    json_object_object_add(o, "desc_a", json_object_new_string(ev->desc_a));
    json_add_guid(o, "guid_b", ev->guid_b);
    json_object_object_add(o, "port_b", json_object_new_int(ev->port_b));
    json_object_object_add(o, "desc_b", json_object_new_string(ev->desc_b));
    json_object_object_add(o, "plan_id", json_object_new_int64((int64_t)ev->plan_id));
    json_object_object_add(o, "value", json_object_new_double(ev->value));
    json_object_object_add(o, "message", json_object_new_string(ev->message));
    return o;
}

static bool event_from_json(json_object *o, fabd_event *ev)
{
    memset(ev, 0, sizeof(*ev));
    ev->id = (uint64_t)json_get_int(o, "id");
    if (ev->id == 0)
        return false;
    ev->time = json_get_double(o, "time");
    const char *type = json_get_str(o, "type");
    ev->type = FABD_EV_COUNT;
    for (int t = 0; t < FABD_EV_COUNT; t++)
        if (strcmp(type, fabd_event_type_str((fabd_event_type)t)) == 0)
            ev->type = (fabd_event_type)t;
    if (ev->type == FABD_EV_COUNT)
        return false;
    ev->guid_a = json_get_guid(o, "guid_a");
    ev->guid_b = json_get_guid(o, "guid_b");
    ev->port_a = (int)json_get_int(o, "port_a");
    ev->port_b = (int)json_get_int(o, "port_b");
    fabd__copy_desc(ev->desc_a, sizeof(ev->desc_a), json_get_str(o, "desc_a"));
    fabd__copy_desc(ev->desc_b, sizeof(ev->desc_b), json_get_str(o, "desc_b"));
    ev->plan_id = (uint64_t)json_get_int(o, "plan_id");
    ev->value = json_get_double(o, "value");
    fabd__copy_desc(ev->message, sizeof(ev->message), json_get_str(o, "message"));
    return true;
}

/* Loads the log into the ring (the newest max_events survive); returns the
 * number of lines read. Lines that do not parse are skipped with one
 * warning: a torn last line after a crash must not stop the daemon. */
static size_t load_events(fabd_core *core, FILE *in, const char *path)
{
    char *line = NULL;
    size_t cap = 0, lines = 0, bad = 0;
    while (getline(&line, &cap, in) > 0) {
        lines++;
        json_object *o = json_tokener_parse(line);
        fabd_event ev;
        if (o && event_from_json(o, &ev))
            fabd__event_push_locked(core, &ev);
        else
            bad++;
        json_object_put(o);
    }
    free(line);
    if (bad)
        fabd__log(core, FTOPO_LOG_WARN, "%s: %zu unreadable lines skipped", path, bad);
    return lines;
}

/* Rewrites the log with the events in the ring. */
static FILE *rewrite_events(fabd_core *core, const char *path)
{
    char tmp[4200];
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return NULL;
    core->event_log = f;
    core->event_log_lines = 0;
    for (size_t i = 0; i < core->ev_count; i++)
        fabd__store_append_event(core, &core->events[(core->ev_start + i) % core->ev_cap]);
    core->event_log = NULL;
    if (fclose(f) != 0 || rename(tmp, path) != 0)
        return NULL;
    return fopen(path, "a");
}

void fabd__store_append_event(fabd_core *core, const fabd_event *ev)
{
    if (!core->event_log)
        return;
    json_object *o = fabd_event_to_json(ev);
    fprintf(core->event_log, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
    fflush(core->event_log);
    json_object_put(o);
    /* Keep the file within twice the ring: rewrite it with the ring. */
    if (++core->event_log_lines > 2 * core->ev_cap) {
        char path[4096];
        state_path(core, "events.jsonl", path, sizeof(path));
        fclose(core->event_log);
        core->event_log = rewrite_events(core, path);
        if (!core->event_log)
            fabd__log(core, FTOPO_LOG_ERROR, "event log %s: %s (no longer written)", path,
                      strerror(errno));
    }
}

ftopo_status fabd__store_open(fabd_core *core, ftopo_diag *diag)
{
    if (!core->opts.state_dir)
        return FTOPO_OK;
    if (mkdir(core->opts.state_dir, 0750) != 0 && errno != EEXIST)
        return fabd__fail(diag, FTOPO_ERR_IO, "state directory %s: %s", core->opts.state_dir,
                          strerror(errno));
    char path[4096];
    state_path(core, "events.jsonl", path, sizeof(path));
    size_t lines = 0;
    FILE *in = fopen(path, "r");
    if (in) {
        lines = load_events(core, in, path);
        fclose(in);
    }
    /* Compact when the file holds more than the ring keeps. */
    core->event_log = lines > core->ev_count ? rewrite_events(core, path) : fopen(path, "a");
    if (!core->event_log)
        return fabd__fail(diag, FTOPO_ERR_IO, "event log %s: %s", path, strerror(errno));
    core->event_log_lines = core->ev_count;
    if (core->ev_count)
        fabd__log(core, FTOPO_LOG_INFO, "%s: %zu events restored (last id %llu)", path,
                  core->ev_count, (unsigned long long)(core->next_event_id - 1));
    return FTOPO_OK;
}

void fabd__store_close(fabd_core *core)
{
    if (core->event_log)
        fclose(core->event_log);
    core->event_log = NULL;
}

/* ---- Topology and down links ------------------------------------------------ */

ftopo_fabric *fabd__store_load_topology(fabd_core *core)
{
    if (!core->opts.state_dir)
        return NULL;
    char path[4096];
    state_path(core, "topology.json", path, sizeof(path));
    if (access(path, R_OK) != 0)
        return NULL;
    ftopo_diag d = fabd__lib_diag(core);
    ftopo_fabric *fabric = NULL;
    if (ftopo_read_file(path, FTOPO_FORMAT_JSON, &fabric, &d) != FTOPO_OK)
        return NULL; /* the library logged why; the first sweep starts afresh */
    fabd__log(core, FTOPO_LOG_INFO, "%s: last topology restored (%zu nodes, %zu links)", path,
              ftopo_num_nodes(fabric), ftopo_num_links(fabric));
    return fabric;
}

static json_object *down_to_json(const fabd_down_link *down, size_t n)
{
    json_object *arr = json_object_new_array();
    for (size_t i = 0; i < n; i++) {
        json_object *o = json_object_new_object();
        json_add_guid(o, "guid_a", down[i].guid_a);
        json_object_object_add(o, "port_a", json_object_new_int(down[i].port_a));
        json_object_object_add(o, "desc_a", json_object_new_string(down[i].desc_a));
        json_add_guid(o, "guid_b", down[i].guid_b);
        json_object_object_add(o, "port_b", json_object_new_int(down[i].port_b));
        json_object_object_add(o, "desc_b", json_object_new_string(down[i].desc_b));
        json_object_object_add(o, "width", json_object_new_int(down[i].width));
        json_object_object_add(o, "speed", json_object_new_int(down[i].speed));
        json_object_object_add(o, "since", json_object_new_double(down[i].since));
        json_object_array_add(arr, o);
    }
    return arr;
}

void fabd__store_load_down(fabd_core *core, fabd__worker *w)
{
    if (!core->opts.state_dir)
        return;
    char path[4096];
    state_path(core, "down-links.json", path, sizeof(path));
    if (access(path, R_OK) != 0)
        return;
    json_object *arr = json_object_from_file(path);
    size_t n = arr && json_object_is_type(arr, json_type_array) ? json_object_array_length(arr) : 0;
    if (!arr || !json_object_is_type(arr, json_type_array))
        fabd__log(core, FTOPO_LOG_WARN, "%s: not a JSON array, ignored", path);
    w->down = n ? calloc(n, sizeof(*w->down)) : NULL;
    for (size_t i = 0; w->down && i < n; i++) {
        json_object *o = json_object_array_get_idx(arr, i);
        fabd_down_link *d = &w->down[w->num_down];
        d->guid_a = json_get_guid(o, "guid_a");
        d->guid_b = json_get_guid(o, "guid_b");
        d->port_a = (int)json_get_int(o, "port_a");
        d->port_b = (int)json_get_int(o, "port_b");
        fabd__copy_desc(d->desc_a, sizeof(d->desc_a), json_get_str(o, "desc_a"));
        fabd__copy_desc(d->desc_b, sizeof(d->desc_b), json_get_str(o, "desc_b"));
        d->width = (ftopo_link_width)json_get_int(o, "width");
        d->speed = (ftopo_link_speed)json_get_int(o, "speed");
        d->since = json_get_double(o, "since");
        if (d->guid_a && d->guid_b)
            w->num_down++;
    }
    w->cap_down = n;
    json_object_put(arr);
}

void fabd__store_save(fabd_core *core, const ftopo_fabric *fabric, const fabd_down_link *down,
                      size_t num_down)
{
    if (!core->opts.state_dir)
        return;
    char path[4096], tmp[4200];
    state_path(core, "topology.json", path, sizeof(path));
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    ftopo_diag d = fabd__lib_diag(core);
    if (ftopo_write_file(fabric, tmp, FTOPO_FORMAT_JSON, &d) != FTOPO_OK)
        return; /* logged by the library */
    if (rename(tmp, path) != 0) {
        fabd__log(core, FTOPO_LOG_ERROR, "saving the topology to %s: %s", path, strerror(errno));
        return;
    }
    state_path(core, "down-links.json", path, sizeof(path));
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    json_object *arr = down_to_json(down, num_down);
    if (json_object_to_file_ext(tmp, arr, JSON_C_TO_STRING_PRETTY) != 0 || rename(tmp, path) != 0)
        fabd__log(core, FTOPO_LOG_ERROR, "saving down links to %s: %s", path, strerror(errno));
    json_object_put(arr);
}

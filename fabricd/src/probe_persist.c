/* STATE_DIR/probes.json: the registered hosts and the latest result per
 * pair, so that a restart keeps the matrix the planner folds in (the
 * smoothed figure restarts from the latest). Written
 * to a temporary file and renamed, so a crash leaves the old or the new. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "probe_int.h"

static json_object *num(double v)
{
    return isfinite(v) ? json_object_new_double(v) : NULL;
}

static json_object *store_json(const fabd_probes *p)
{
    json_object *hosts = json_object_new_array(), *pairs = json_object_new_array();
    for (size_t i = 0; i < p->num_hosts; i++) {
        const fabd__phost *h = &p->hosts[i];
        json_object *o = json_object_new_object();
        json_object_object_add(o, "hostname", json_object_new_string(h->name));
        json_object_object_add(o, "agent", json_object_new_string(h->agent));
        json_object_object_add(o, "registered_at", num(h->registered_at));
        json_object_object_add(o, "last_seen", num(h->last_seen));
        json_object_object_add(o, "inventory",
                               h->inventory ? json_tokener_parse(h->inventory) : NULL);
        json_object_array_add(hosts, o);
    }
    for (size_t i = 0; i < p->num_pairs; i++) {
        const fabd__ppair *r = &p->pairs[i];
        json_object *o = json_object_new_object();
        json_object_object_add(o, "a", json_object_new_string(r->a));
        json_object_object_add(o, "b", json_object_new_string(r->b));
        json_object_object_add(o, "kind", json_object_new_string(fprobe_kind_name(r->kind)));
        json_object_object_add(o, "size", json_object_new_int64(r->size));
        json_object_object_add(o, "duration_ms", json_object_new_int64(r->duration_ms));
        json_object_object_add(o, "ok", json_object_new_boolean(r->ok));
        json_object_object_add(o, "mb_per_s", num(r->mbps));
        json_object_object_add(o, "lat_p50_us", num(r->lat_p50_us));
        json_object_object_add(o, "lat_p99_us", num(r->lat_p99_us));
        json_object_object_add(o, "time", num(r->time));
        json_object_object_add(o, "error", json_object_new_string(r->error));
        json_object_array_add(pairs, o);
    }
    json_object *top = json_object_new_object();
    json_object_object_add(top, "hosts", hosts);
    json_object_object_add(top, "pairs", pairs);
    return top;
}

/* The store as the file's text; NULL out of memory. Lock held. */
static char *store_text(const fabd_probes *p)
{
    json_object *top = store_json(p);
    const char *text = top ? json_object_to_json_string_ext(top, JSON_C_TO_STRING_PLAIN) : NULL;
    char *copy = text ? strdup(text) : NULL;
    json_object_put(top);
    return copy;
}

/* text to path through path.tmp: written, synced, renamed, so that a
 * crash or a power cut leaves the old file or the new one. */
static void write_file(fabd_probes *p, const char *text)
{
    size_t len = strlen(p->path) + 5, size = strlen(text), done = 0;
    char *tmp = malloc(len);
    if (!tmp) {
        fabd__log(p->core, FTOPO_LOG_ERROR, "%s: out of memory", p->path);
        return;
    }
    snprintf(tmp, len, "%s.tmp", p->path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    while (fd >= 0 && done < size) {
        ssize_t n = write(fd, text + done, size - done);
        if (n < 0 && errno != EINTR)
            break;
        done += n > 0 ? (size_t)n : 0;
    }
    bool ok = fd >= 0 && done == size && fsync(fd) == 0;
    if (fd >= 0 && close(fd) != 0)
        ok = false;
    if (!ok || rename(tmp, p->path) != 0) {
        fabd__log(p->core, FTOPO_LOG_ERROR, "%s: cannot write: %s", ok ? p->path : tmp,
                  strerror(errno));
        unlink(tmp);
    }
    free(tmp);
}

void fabd__probes_save(fabd_probes *p, bool force)
{
    if (!p->path) /* not persisted, or loading */
        return;
    pthread_mutex_lock(&p->save_lock);
    pthread_mutex_lock(&p->lock);
    double now = fabd__now();
    char *text = NULL;
    /* Not dirty: a write that began after this caller's change (it waited
     * for save_lock meanwhile) has it on disk already. */
    if (p->dirty && (force || now - p->saved_at >= FABD__PROBES_SAVE_S)) {
        text = store_text(p);
        if (text) {
            p->saved_at = now;
            p->dirty = false;
        } else {
            fabd__log(p->core, FTOPO_LOG_ERROR, "%s: out of memory", p->path);
        }
    }
    pthread_mutex_unlock(&p->lock);
    if (text)
        write_file(p, text);
    pthread_mutex_unlock(&p->save_lock);
    free(text);
}

static const char *str_of(json_object *o, const char *key)
{
    json_object *v;
    return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
               ? json_object_get_string(v)
               : "";
}

static double num_of(json_object *o, const char *key)
{
    json_object *v;
    return json_object_object_get_ex(o, key, &v) && (json_object_is_type(v, json_type_double) ||
                                                     json_object_is_type(v, json_type_int))
               ? json_object_get_double(v)
               : NAN;
}

static void load_hosts(fabd_probes *p, const char *path, json_object *hosts)
{
    for (size_t i = 0; i < json_object_array_length(hosts); i++) {
        json_object *o = json_object_array_get_idx(hosts, i), *inv = NULL;
        bool is_new;
        json_object_object_get_ex(o, "inventory", &inv);
        ftopo_diag d = {0};
        if (fabd_probes_register(p, str_of(o, "hostname"), str_of(o, "agent"), inv, &is_new, &d) !=
            FTOPO_OK) {
            fabd__log(p->core, FTOPO_LOG_WARN, "%s: host %zu skipped: %s", path, i, d.message);
            continue;
        }
        fabd__phost *h = fabd__phost_find(p, str_of(o, "hostname"));
        if (isfinite(num_of(o, "registered_at")))
            h->registered_at = num_of(o, "registered_at");
        if (isfinite(num_of(o, "last_seen")))
            h->last_seen = num_of(o, "last_seen");
    }
}

/* A count member in [0, max] (absent: 0); false when out of range. */
static bool count_of(json_object *o, const char *key, uint32_t max, uint32_t *out)
{
    json_object *v;
    double x = json_object_object_get_ex(o, key, &v) && v ? num_of(o, key) : 0;
    *out = x >= 0 && x <= max ? (uint32_t)x : 0;
    return x >= 0 && x <= max;
}

/* One pair record as a sample, checked as the API checks a result (a
 * damaged file must not get in what a request could not); false when
 * malformed. */
static bool sample_of(json_object *o, fabd_probe_sample *s)
{
    json_object *ok;
    const char *a = str_of(o, "a"), *b = str_of(o, "b"), *err = str_of(o, "error");
    *s = (fabd_probe_sample){.kind = fprobe_kind_parse(str_of(o, "kind")),
                             .mbps = num_of(o, "mb_per_s"),
                             .lat_p50_us = num_of(o, "lat_p50_us"),
                             .lat_p99_us = num_of(o, "lat_p99_us"),
                             .time = num_of(o, "time")};
    s->ok = json_object_object_get_ex(o, "ok", &ok) && json_object_get_boolean(ok);
    bool bw = s->kind == FPROBE_TCP_BW || s->kind == FPROBE_IB_BW;
    if (!s->kind || !fabd_probe_name_ok(a) || !fabd_probe_name_ok(b) ||
        strlen(err) >= sizeof(s->error) || !count_of(o, "size", FPROBE_MAX_SIZE, &s->size) ||
        !count_of(o, "duration_ms", FPROBE_MAX_DURATION, &s->duration_ms) ||
        (s->ok && bw && !(s->mbps >= 0 && s->mbps <= 1e9)) || (!s->ok && !err[0]))
        return false;
    snprintf(s->a, sizeof(s->a), "%s", a);
    snprintf(s->b, sizeof(s->b), "%s", b);
    snprintf(s->error, sizeof(s->error), "%s", err);
    s->time = isfinite(s->time) ? s->time : 0;
    return true;
}

static void load_pairs(fabd_probes *p, const char *path, json_object *pairs)
{
    for (size_t i = 0; i < json_object_array_length(pairs); i++) {
        fabd_probe_sample s;
        ftopo_diag d = {0};
        if (!sample_of(json_object_array_get_idx(pairs, i), &s) ||
            fabd_probes_add(p, &s, 1, &d) != FTOPO_OK)
            fabd__log(p->core, FTOPO_LOG_WARN, "%s: result %zu skipped: %s", path, i,
                      d.message[0] ? d.message : "malformed");
    }
}

/* A file that is no JSON object is kept as path.corrupt for a person to
 * look at (the next write would replace it) and the store starts empty. */
static void set_aside(fabd_probes *p, const char *why)
{
    size_t len = strlen(p->path) + sizeof(".corrupt");
    char *aside = malloc(len);
    if (aside)
        snprintf(aside, len, "%s.corrupt", p->path);
    if (aside && rename(p->path, aside) == 0)
        fabd__log(p->core, FTOPO_LOG_WARN,
                  "%s: unreadable (%s); moved to %s, starting with no probe data", p->path, why,
                  aside);
    else
        fabd__log(p->core, FTOPO_LOG_WARN,
                  "%s: unreadable (%s), starting with no probe data; cannot keep a copy: %s",
                  p->path, why, aside ? strerror(errno) : "out of memory");
    free(aside);
}

void fabd__probes_load(fabd_probes *p)
{
    FILE *f = fopen(p->path, "r");
    if (!f)
        return; /* first start */
    fclose(f);
    json_object *top = json_object_from_file(p->path), *hosts, *pairs;
    if (!top || !json_object_is_type(top, json_type_object)) {
        const char *err = json_util_get_last_err();
        set_aside(p, top ? "not a JSON object" : err ? err : "cannot read");
        json_object_put(top);
        return;
    }
    char *path = p->path;
    p->path = NULL; /* no rewrite per record while loading */
    if (json_object_object_get_ex(top, "hosts", &hosts) &&
        json_object_is_type(hosts, json_type_array))
        load_hosts(p, path, hosts);
    if (json_object_object_get_ex(top, "pairs", &pairs) &&
        json_object_is_type(pairs, json_type_array))
        load_pairs(p, path, pairs);
    p->path = path;
    json_object_put(top);
}

/* The probe store: registered hosts and the latest result per host pair
 * and kind. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "net.h"
#include "probe_int.h"
#include "ring.h"

/* Weight of the newest sample in the smoothed bandwidth. */
#define AVG_ALPHA 0.5

ftopo_status fabd_probes_create(fabd_core *core, const char *state_dir, fabd_probes **out,
                                ftopo_diag *diag)
{
    *out = NULL;
    fabd_probes *p = calloc(1, sizeof(*p));
    if (!p)
        return fabd__fail(diag, FTOPO_ERR_NOMEM, "probes: out of memory");
    p->core = core;
    p->next_round_id = 1;
    atomic_init(&p->cancel, false);
    pthread_mutex_init(&p->lock, NULL);
    pthread_mutex_init(&p->run_lock, NULL);
    pthread_mutex_init(&p->save_lock, NULL);
    pthread_cond_init(&p->idle, NULL);
    if (state_dir) {
        size_t len = strlen(state_dir) + sizeof("/probes.json");
        if (!(p->path = malloc(len))) {
            fabd_probes_destroy(p);
            return fabd__fail(diag, FTOPO_ERR_NOMEM, "probes: out of memory");
        }
        snprintf(p->path, len, "%s/probes.json", state_dir);
        fabd__probes_load(p);
    }
    *out = p;
    return FTOPO_OK;
}

void fabd_probes_stop(fabd_probes *p)
{
    pthread_mutex_lock(&p->lock);
    p->stopping = true;             /* queued rounds end as cancelled */
    atomic_store(&p->cancel, true); /* the running one after its step */
    pthread_mutex_unlock(&p->lock);
}

void fabd_probes_destroy(fabd_probes *p)
{
    if (!p)
        return;
    fabd_probes_stop(p);
    pthread_mutex_lock(&p->lock);
    while (p->round_threads > 0)
        pthread_cond_wait(&p->idle, &p->lock);
    pthread_mutex_unlock(&p->lock);
    fabd__probes_save(p, true);
    for (size_t i = 0; i < p->num_rounds; i++)
        fabd__pround_free(p->rounds[i]);
    for (size_t i = 0; i < p->num_hosts; i++)
        free(p->hosts[i].inventory);
    free(p->hosts);
    free(p->pairs);
    fabd__index_free(&p->host_ix);
    fabd__index_free(&p->pair_ix);
    fabd__nameset_free(&p->names);
    free(p->path);
    pthread_mutex_destroy(&p->lock);
    pthread_mutex_destroy(&p->run_lock);
    pthread_mutex_destroy(&p->save_lock);
    pthread_cond_destroy(&p->idle);
    free(p);
}

bool fabd_probe_name_ok(const char *s)
{
    size_t len = s ? strlen(s) : 0;
    if (len == 0 || len >= FABD_PROBE_NAME_MAX)
        return false;
    return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-:[]") == len;
}

fabd__phost *fabd__phost_find(fabd_probes *p, const char *name)
{
    size_t pos;
    uint64_t h = fabd__hash_str(FABD__HASH_SEED, name);
    for (size_t c = 0; (pos = fabd__index_next(&p->host_ix, h, &c)) != SIZE_MAX;)
        if (!strcmp(p->hosts[pos].name, name))
            return &p->hosts[pos];
    return NULL;
}

/* Room for new names among (a, b): they are noted, or why not is said.
 * Lock held. */
static ftopo_status note_names(fabd_probes *p, const char *a, const char *b, ftopo_diag *diag)
{
    size_t fresh = (fabd__nameset_find(&p->names, a) == SIZE_MAX) +
                   (b && strcmp(a, b) && fabd__nameset_find(&p->names, b) == SIZE_MAX);
    if (p->names.n + fresh > FABD_PROBE_MAX_HOSTS)
        return fabd__fail(diag, FTOPO_ERR_ARG,
                          "over %d host names (registered or named by results) known",
                          FABD_PROBE_MAX_HOSTS);
    if (fabd__nameset_add(&p->names, a) == SIZE_MAX ||
        (b && fabd__nameset_add(&p->names, b) == SIZE_MAX))
        return fabd__fail(diag, FTOPO_ERR_NOMEM, "probes: out of memory");
    return FTOPO_OK;
}

ftopo_status fabd_probes_register(fabd_probes *p, const char *name, const char *agent,
                                  json_object *inventory, bool *is_new, ftopo_diag *diag)
{
    if (!fabd_probe_name_ok(name))
        return fabd__fail(diag, FTOPO_ERR_ARG, "hostname: 1..%d of [A-Za-z0-9._-:[]]",
                          FABD_PROBE_NAME_MAX - 1);
    if (agent[0] && !fabd_probe_name_ok(agent))
        return fabd__fail(diag, FTOPO_ERR_ARG, "agent: expected ADDR[:PORT], at most %d bytes",
                          FABD_PROBE_NAME_MAX - 1);
    char *inv = NULL;
    if (inventory &&
        !(inv = strdup(json_object_to_json_string_ext(inventory, JSON_C_TO_STRING_PLAIN))))
        return fabd__fail(diag, FTOPO_ERR_NOMEM, "probes: out of memory");
    ftopo_status st = FTOPO_OK;
    bool force = false;
    pthread_mutex_lock(&p->lock);
    fabd__phost *h = fabd__phost_find(p, name);
    *is_new = !h;
    if (!h)
        st = note_names(p, name, NULL, diag);
    if (st == FTOPO_OK && !h && p->num_hosts == p->cap_hosts) {
        size_t cap = p->cap_hosts ? 2 * p->cap_hosts : 16;
        fabd__phost *nh = realloc(p->hosts, cap * sizeof(*nh));
        if (nh) {
            p->hosts = nh;
            p->cap_hosts = cap;
        } else {
            st = fabd__fail(diag, FTOPO_ERR_NOMEM, "probes: out of memory");
        }
    }
    if (st == FTOPO_OK && !h &&
        fabd__index_add(&p->host_ix, fabd__hash_str(FABD__HASH_SEED, name), p->num_hosts) != 0)
        st = fabd__fail(diag, FTOPO_ERR_NOMEM, "probes: out of memory");
    if (st == FTOPO_OK) {
        double now = fabd__now();
        if (!h) {
            h = &p->hosts[p->num_hosts++];
            *h = (fabd__phost){.registered_at = now};
            snprintf(h->name, sizeof(h->name), "%s", name);
        }
        /* A new host or agent is written now; a heartbeat (last seen, the
         * inventory's counters) with the next write. */
        force = *is_new || strcmp(h->agent, agent) != 0;
        snprintf(h->agent, sizeof(h->agent), "%s", agent);
        if (!agent[0] ||
            fprobe_split_hostport(agent, h->agent_addr, sizeof(h->agent_addr), &h->agent_port) != 0)
            h->agent_addr[0] = 0;
        h->last_seen = now;
        if (inv) {
            free(h->inventory);
            h->inventory = inv;
            inv = NULL;
        }
        p->dirty = true;
    }
    pthread_mutex_unlock(&p->lock);
    free(inv);
    if (st == FTOPO_OK)
        fabd__probes_save(p, force);
    return st;
}

static json_object *host_json(const fabd__phost *h, bool inventory)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "hostname", json_object_new_string(h->name));
    json_object_object_add(o, "agent", h->agent[0] ? json_object_new_string(h->agent) : NULL);
    json_object_object_add(o, "registered_at", json_object_new_double(h->registered_at));
    json_object_object_add(o, "last_seen", json_object_new_double(h->last_seen));
    json_object_object_add(o, "seen_s_ago", json_object_new_double(fabd__now() - h->last_seen));
    json_object *inv = h->inventory ? json_tokener_parse(h->inventory) : NULL;
    if (inventory) {
        json_object_object_add(o, "inventory", inv);
        return o;
    }
    json_object *devs;
    size_t n = inv && json_object_object_get_ex(inv, "devices", &devs) &&
                       json_object_is_type(devs, json_type_array)
                   ? json_object_array_length(devs)
                   : 0;
    json_object_object_add(o, "rdma_devices", json_object_new_int64((int64_t)n));
    json_object_put(inv);
    return o;
}

/* sysfs writes node GUIDs as four groups of four hex digits. */
static uint64_t parse_guid(const char *s)
{
    uint64_t g = 0;
    int digits = 0;
    for (; *s; s++) {
        int v = *s >= '0' && *s <= '9'   ? *s - '0'
                : *s >= 'a' && *s <= 'f' ? *s - 'a' + 10
                : *s >= 'A' && *s <= 'F' ? *s - 'A' + 10
                                         : -1;
        if (v < 0 && *s != ':')
            return 0;
        if (v >= 0) {
            g = g << 4 | (uint64_t)v;
            digits++;
        }
    }
    return digits == 16 ? g : 0;
}

uint64_t fabd__phost_guid(fabd_probes *p, const char *name)
{
    uint64_t guid = 0;
    pthread_mutex_lock(&p->lock);
    const fabd__phost *h = fabd__phost_find(p, name);
    json_object *inv = h && h->inventory ? json_tokener_parse(h->inventory) : NULL, *devs, *g;
    if (inv && json_object_object_get_ex(inv, "devices", &devs) &&
        json_object_is_type(devs, json_type_array) && json_object_array_length(devs) > 0 &&
        json_object_object_get_ex(json_object_array_get_idx(devs, 0), "node_guid", &g) &&
        json_object_is_type(g, json_type_string))
        guid = parse_guid(json_object_get_string(g));
    pthread_mutex_unlock(&p->lock);
    json_object_put(inv);
    return guid;
}

json_object *fabd_probes_hosts_json(fabd_probes *p, const char *name)
{
    json_object *out = NULL;
    pthread_mutex_lock(&p->lock);
    if (name) {
        const fabd__phost *h = fabd__phost_find(p, name);
        out = h ? host_json(h, true) : NULL;
    } else {
        json_object *arr = json_object_new_array();
        for (size_t i = 0; i < p->num_hosts; i++)
            json_object_array_add(arr, host_json(&p->hosts[i], false));
        out = json_object_new_object();
        json_object_object_add(out, "hosts", arr);
    }
    pthread_mutex_unlock(&p->lock);
    return out;
}

/* The registered host whose name or agent is s (the default port
 * standing in for a missing one), else s itself. Lock held. */
static const char *canonical(fabd_probes *p, const char *s)
{
    const fabd__phost *h = fabd__phost_find(p, s);
    char addr[FABD_PROBE_NAME_MAX];
    int port;
    if (h)
        return h->name;
    if (fprobe_split_hostport(s, addr, sizeof(addr), &port) != 0)
        return s;
    for (size_t i = 0; i < p->num_hosts; i++)
        if (p->hosts[i].agent_addr[0] && p->hosts[i].agent_port == port &&
            !strcmp(p->hosts[i].agent_addr, addr))
            return p->hosts[i].name;
    return s;
}

static uint64_t pair_hash(const char *a, const char *b, uint32_t kind)
{
    return fabd__hash_str(fabd__hash_str(FABD__HASH_SEED ^ kind, a), b);
}

/* The record of (a, b, kind) in *out, a new one when none. */
static ftopo_status pair_slot(fabd_probes *p, const char *a, const char *b, uint32_t kind, size_t i,
                              fabd__ppair **out, ftopo_diag *diag)
{
    if (strcmp(a, b) > 0) {
        const char *t = a;
        a = b;
        b = t;
    }
    uint64_t h = pair_hash(a, b, kind);
    size_t pos;
    for (size_t c = 0; (pos = fabd__index_next(&p->pair_ix, h, &c)) != SIZE_MAX;)
        if (p->pairs[pos].kind == kind && !strcmp(p->pairs[pos].a, a) &&
            !strcmp(p->pairs[pos].b, b)) {
            *out = &p->pairs[pos];
            return FTOPO_OK;
        }
    if (p->num_pairs == FABD_PROBE_MAX_PAIRS)
        return fabd__fail(diag, FTOPO_ERR_ARG, "result %zu: the store holds %d pairs already", i,
                          FABD_PROBE_MAX_PAIRS);
    ftopo_status st = note_names(p, a, b, diag);
    if (st != FTOPO_OK)
        return st;
    if (p->num_pairs == p->cap_pairs) {
        size_t cap = p->cap_pairs ? 2 * p->cap_pairs : 64;
        fabd__ppair *np = realloc(p->pairs, cap * sizeof(*np));
        if (!np)
            return fabd__fail(diag, FTOPO_ERR_NOMEM, "probes: out of memory");
        p->pairs = np;
        p->cap_pairs = cap;
    }
    if (fabd__index_add(&p->pair_ix, h, p->num_pairs) != 0)
        return fabd__fail(diag, FTOPO_ERR_NOMEM, "probes: out of memory");
    fabd__ppair *r = *out = &p->pairs[p->num_pairs++];
    *r = (fabd__ppair){.kind = kind};
    snprintf(r->a, sizeof(r->a), "%s", a);
    snprintf(r->b, sizeof(r->b), "%s", b);
    return FTOPO_OK;
}

ftopo_status fabd_probes_add(fabd_probes *p, const fabd_probe_sample *s, size_t n, ftopo_diag *diag)
{
    ftopo_status st = FTOPO_OK;
    double now = fabd__now();
    pthread_mutex_lock(&p->lock);
    for (size_t i = 0; i < n && st == FTOPO_OK; i++) {
        const char *a = canonical(p, s[i].a), *b = canonical(p, s[i].b);
        fabd__ppair *r = NULL;
        st = strcmp(a, b)
                 ? pair_slot(p, a, b, s[i].kind, i, &r, diag)
                 : fabd__fail(diag, FTOPO_ERR_ARG, "result %zu: a and b are both %s", i, a);
        if (st != FTOPO_OK)
            break;
        r->size = s[i].size;
        r->duration_ms = s[i].duration_ms;
        r->ok = s[i].ok;
        r->time = s[i].time > 0 ? s[i].time : now;
        snprintf(r->error, sizeof(r->error), "%s", s[i].ok ? "" : s[i].error);
        if (s[i].ok) {
            r->mbps = s[i].mbps;
            r->avg = r->samples ? AVG_ALPHA * s[i].mbps + (1 - AVG_ALPHA) * r->avg : s[i].mbps;
            r->lat_p50_us = s[i].lat_p50_us;
            r->lat_p99_us = s[i].lat_p99_us;
            r->samples++;
        }
        fabd__phost *ha = fabd__phost_find(p, a), *hb = fabd__phost_find(p, b);
        if (ha)
            ha->last_seen = now;
        if (hb && s[i].ok)
            hb->last_seen = now;
    }
    p->dirty = p->dirty || n > 0;
    pthread_mutex_unlock(&p->lock);
    if (n)
        fabd__probes_save(p, true);
    return st;
}

static int cmp_name(const void *x, const void *y)
{
    return strcmp(x, y);
}

/* The matrix's names under the lock: the given ones, or every host and
 * every name a result of kind has, sorted; indexed in *out. */
static ftopo_status matrix_names(fabd_probes *p, uint32_t kind, const char *const *hosts,
                                 size_t num_hosts, fabd__nameset *out, ftopo_diag *diag)
{
    fabd__nameset all = {0};
    bool ok = true;
    for (size_t i = 0; ok && i < p->num_hosts; i++)
        ok = fabd__nameset_add(&all, p->hosts[i].name) != SIZE_MAX;
    for (size_t j = 0; ok && j < p->num_pairs; j++)
        if (p->pairs[j].kind == kind)
            ok = fabd__nameset_add(&all, p->pairs[j].a) != SIZE_MAX &&
                 fabd__nameset_add(&all, p->pairs[j].b) != SIZE_MAX;
    if (ok && !hosts) {
        if (all.n)
            qsort(all.v, all.n, sizeof(*all.v), cmp_name);
        ok = fabd__nameset_reindex(&all) == 0;
        *out = all;
        return ok ? FTOPO_OK : fabd__fail(diag, FTOPO_ERR_NOMEM, "probes: out of memory");
    }
    ftopo_status st = ok ? FTOPO_OK : fabd__fail(diag, FTOPO_ERR_NOMEM, "probes: out of memory");
    for (size_t i = 0; st == FTOPO_OK && i < num_hosts; i++) {
        const char *c = canonical(p, hosts[i]);
        if (fabd__nameset_find(&all, c) == SIZE_MAX)
            st = fabd__fail(diag, FTOPO_ERR_NOT_FOUND, "unknown host \"%s\"", hosts[i]);
        else if (fabd__nameset_find(out, c) != SIZE_MAX)
            st = fabd__fail(diag, FTOPO_ERR_ARG, "host \"%s\" is listed twice", hosts[i]);
        else if (fabd__nameset_add(out, c) == SIZE_MAX)
            st = fabd__fail(diag, FTOPO_ERR_NOMEM, "probes: out of memory");
    }
    fabd__nameset_free(&all);
    return st;
}

ftopo_status fabd_probes_matrix(fabd_probes *p, uint32_t kind, const char *const *hosts,
                                size_t num_hosts, fabd_probe_matrix *out, ftopo_diag *diag)
{
    fabd_probe_matrix *m = out;
    fabd__nameset names = {0};
    *m = (fabd_probe_matrix){.kind = kind};
    pthread_mutex_lock(&p->lock);
    ftopo_status st = matrix_names(p, kind, hosts, num_hosts, &names, diag);
    size_t nn = names.n * names.n;
    if (st == FTOPO_OK) {
        m->n = names.n;
        m->bw = malloc((nn ? nn : 1) * sizeof(*m->bw));
        m->avg = malloc((nn ? nn : 1) * sizeof(*m->avg));
        m->errors = calloc(nn ? nn : 1, sizeof(*m->errors));
        if (!m->bw || !m->avg || !m->errors)
            st = fabd__fail(diag, FTOPO_ERR_NOMEM, "probes: out of memory");
    }
    for (size_t i = 0; st == FTOPO_OK && i < nn; i++)
        m->bw[i] = m->avg[i] = NAN;
    for (size_t j = 0; st == FTOPO_OK && j < p->num_pairs; j++) {
        const fabd__ppair *r = &p->pairs[j];
        size_t a = r->kind == kind ? fabd__nameset_find(&names, r->a) : SIZE_MAX;
        size_t b = a != SIZE_MAX ? fabd__nameset_find(&names, r->b) : SIZE_MAX;
        if (b == SIZE_MAX)
            continue;
        size_t lo = a < b ? a : b, hi = a < b ? b : a;
        if (r->ok) {
            m->bw[lo * m->n + hi] = m->bw[hi * m->n + lo] = r->mbps;
            m->avg[lo * m->n + hi] = m->avg[hi * m->n + lo] = r->avg;
        } else if (!(m->errors[lo * m->n + hi] = strdup(r->error))) {
            st = fabd__fail(diag, FTOPO_ERR_NOMEM, "probes: out of memory");
        }
    }
    pthread_mutex_unlock(&p->lock);
    m->names = names.v; /* the matrix owns them now */
    names.v = NULL;
    fabd__nameset_free(&names);
    if (st == FTOPO_OK && fprobe_matrix_split(m->n, m->bw, 0.5, &m->median, &m->slow_below) != 0)
        st = fabd__fail(diag, FTOPO_ERR_NOMEM, "probes: out of memory");
    if (st != FTOPO_OK)
        fabd_probe_matrix_free(m);
    return st;
}

void fabd_probe_matrix_free(fabd_probe_matrix *m)
{
    for (size_t i = 0; m->errors && i < m->n * m->n; i++)
        free(m->errors[i]);
    free(m->errors);
    free(m->bw);
    free(m->avg);
    free(m->names);
    *m = (fabd_probe_matrix){0};
}

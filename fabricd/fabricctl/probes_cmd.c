/* fabricctl hosts / probes: the probe agents registered with fabricd, the
 * bandwidth matrix their probes measured, and probe rounds fabricd runs. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"

/* How often a waiting `probes round` asks for the round's state. */
#define POLL_MS 500

int fabctl_cmd_hosts(const ctl *c, const char *name)
{
    char path[256];
    snprintf(path, sizeof(path), "/api/v1/hosts%s%s", name ? "/" : "", name ? name : "");
    int rc;
    json_object *o = fabctl_call_json(c, "GET", path, NULL, &rc);
    if (!o || c->json) {
        json_object_put(o);
        return rc;
    }
    if (name) {
        puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
                                                   JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(o);
        return 0;
    }
    /* Columns as wide as the longest name (up to 63 bytes each). */
    json_object *hosts = fabctl_get(o, "hosts");
    int wname = 4, wagent = 5;
    for (size_t i = 0; i < json_object_array_length(hosts); i++) {
        json_object *h = json_object_array_get_idx(hosts, i);
        wname = fmax(wname, strlen(fabctl_str(h, "hostname")));
        wagent = fmax(wagent, strlen(fabctl_str(h, "agent")));
    }
    printf("%-*s %-*s %12s %s\n", wname, "HOST", wagent, "AGENT", "SEEN (S AGO)", "RDMA DEVICES");
    for (size_t i = 0; i < json_object_array_length(hosts); i++) {
        json_object *h = json_object_array_get_idx(hosts, i);
        printf("%-*s %-*s %12.1f %s\n", wname, fabctl_str(h, "hostname"), wagent,
               *fabctl_str(h, "agent") ? fabctl_str(h, "agent") : "-", fabctl_num(h, "seen_s_ago"),
               fabctl_str(h, "rdma_devices"));
    }
    json_object_put(o);
    return 0;
}

static void print_pairs(json_object *m, const char *key, const char *label)
{
    json_object *arr = fabctl_get(m, key);
    for (size_t i = 0; i < json_object_array_length(arr); i++) {
        json_object *p = json_object_array_get_idx(arr, i);
        if (fabctl_get(p, "error"))
            printf("%s %s - %s: %s\n", label, fabctl_str(p, "a"), fabctl_str(p, "b"),
                   fabctl_str(p, "error"));
        else
            printf("%s %s - %s: %.1f MB/s\n", label, fabctl_str(p, "a"), fabctl_str(p, "b"),
                   fabctl_num(p, "mb_per_s"));
    }
}

/* Whether the pair (a, b) is among the matrix's failed pairs. */
static bool failed(json_object *m, const char *a, const char *b)
{
    json_object *arr = fabctl_get(m, "errors");
    for (size_t i = 0; i < json_object_array_length(arr); i++) {
        json_object *p = json_object_array_get_idx(arr, i);
        const char *x = fabctl_str(p, "a"), *y = fabctl_str(p, "b");
        if ((!strcmp(x, a) && !strcmp(y, b)) || (!strcmp(x, b) && !strcmp(y, a)))
            return true;
    }
    return false;
}

/* Whether a host has any measured pair in the matrix. */
static bool measured(json_object *m, const char *host)
{
    json_object *hosts = fabctl_get(m, "hosts"), *rows = fabctl_get(m, "matrix_mb_per_s");
    for (size_t a = 0; a < json_object_array_length(hosts); a++) {
        if (strcmp(json_object_get_string(json_object_array_get_idx(hosts, a)), host))
            continue;
        json_object *row = json_object_array_get_idx(rows, a);
        for (size_t b = 0; b < json_object_array_length(row); b++)
            if (json_object_array_get_idx(row, b))
                return true;
    }
    return false;
}

/* The matrix document of GET /api/v1/probes/matrix (and of a round):
 * numbered rows, columns by the same numbers; a failed pair says so
 * rather than looking like one never measured. */
static void print_matrix(json_object *m)
{
    json_object *hosts = fabctl_get(m, "hosts"), *rows = fabctl_get(m, "matrix_mb_per_s");
    size_t n = json_object_array_length(hosts);
    printf("%s matrix (MB/s), %zu hosts, median %.1f, ", fabctl_str(m, "kind"), n,
           fabctl_num(m, "median_mb_per_s"));
    if (fabctl_num(m, "slow_below_mb_per_s") > 0)
        printf("slow below %.1f\n", fabctl_num(m, "slow_below_mb_per_s"));
    else
        printf("no slow pairs\n");
    int w = 4;
    for (size_t a = 0; a < n; a++)
        w = fmax(w, strlen(json_object_get_string(json_object_array_get_idx(hosts, a))));
    printf("%4s %-*s", "", w, "HOST");
    for (size_t b = 0; b < n; b++)
        printf(" %8zu", b + 1);
    printf("\n");
    for (size_t a = 0; a < n; a++) {
        json_object *row = json_object_array_get_idx(rows, a);
        const char *ha = json_object_get_string(json_object_array_get_idx(hosts, a));
        printf("%4zu %-*s", a + 1, w, ha);
        for (size_t b = 0; b < n; b++) {
            json_object *v = json_object_array_get_idx(row, b);
            const char *hb = json_object_get_string(json_object_array_get_idx(hosts, b));
            if (v)
                printf(" %8.1f", json_object_get_double(v));
            else
                printf(" %8s", a == b ? "-" : failed(m, ha, hb) ? "failed" : "?");
        }
        printf("\n");
    }
    printf("(?: never measured; failed: the latest probe failed, why below)\n");
    print_pairs(m, "slow_pairs", "slow");
    print_pairs(m, "errors", "error");
    json_object *groups = fabctl_get(m, "groups");
    for (size_t g = 0; g < json_object_array_length(groups); g++) {
        json_object *members = json_object_array_get_idx(groups, g);
        printf("group %zu:", g);
        for (size_t i = 0; i < json_object_array_length(members); i++)
            printf(" %s", json_object_get_string(json_object_array_get_idx(members, i)));
        /* A host alone for want of figures is no island of its own. */
        if (json_object_array_length(members) == 1 &&
            !measured(m, json_object_get_string(json_object_array_get_idx(members, 0))))
            printf(" (no pair measured)");
        printf("\n");
    }
    json_object *bn = fabctl_get(m, "bottlenecks");
    for (size_t i = 0; i < json_object_array_length(bn); i++) {
        json_object *b = json_object_array_get_idx(bn, i), *g = fabctl_get(b, "groups");
        printf("bottleneck between groups %d and %d: %s pairs, %.1f..%.1f MB/s\n",
               json_object_get_int(json_object_array_get_idx(g, 0)),
               json_object_get_int(json_object_array_get_idx(g, 1)), fabctl_str(b, "pairs"),
               fabctl_num(b, "min_mb_per_s"), fabctl_num(b, "max_mb_per_s"));
    }
    json_object *ring = fabctl_get(m, "ring");
    printf("ring:");
    for (size_t i = 0; i < json_object_array_length(ring); i++)
        printf(" %s", json_object_get_string(json_object_array_get_idx(ring, i)));
    printf("\n");
}

static int show_round(const ctl *c, const char *id, bool *done)
{
    char path[128];
    snprintf(path, sizeof(path), "/api/v1/probes/round/%s", id);
    ctl quiet = *c;
    quiet.json = false;
    int rc;
    json_object *o = fabctl_call_json(&quiet, "GET", path, NULL, &rc);
    if (!o)
        return rc;
    const char *state = fabctl_str(o, "state");
    *done = !strcmp(state, "done") || !strcmp(state, "cancelled");
    if (*done && c->json)
        puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY));
    else if (*done) {
        printf("round %s: %s\n", fabctl_str(o, "round_id"), state);
        if (*fabctl_str(o, "error"))
            printf("error: %s\n", fabctl_str(o, "error"));
        if (fabctl_get(o, "result"))
            print_matrix(fabctl_get(o, "result"));
    }
    json_object_put(o);
    return 0;
}

static int start_round(const ctl *c, const fabctl_probe_opts *po, char **hosts, int n)
{
    json_object *req = json_object_new_object();
    if (n > 0) {
        json_object *list = json_object_new_array();
        for (int i = 0; i < n; i++)
            json_object_array_add(list, json_object_new_string(hosts[i]));
        json_object_object_add(req, "hosts", list);
    }
    if (po->kind)
        json_object_object_add(req, "kind", json_object_new_string(po->kind));
    if (po->size)
        json_object_object_add(req, "size", json_object_new_int64(po->size));
    if (po->duration_ms)
        json_object_object_add(req, "duration_ms", json_object_new_int64(po->duration_ms));
    ctl quiet = *c;
    quiet.json = false;
    int rc;
    json_object *o = fabctl_call_json(&quiet, "POST", "/api/v1/probes/round",
                                      json_object_to_json_string(req), &rc);
    json_object_put(req);
    if (!o)
        return rc;
    char id[32];
    snprintf(id, sizeof(id), "%s", fabctl_str(o, "round_id"));
    json_object_put(o);
    if (po->no_wait) {
        printf("%s\n", id);
        return 0;
    }
    /* fabricd bounds every probe, so the round ends; the connection's
     * timeout (-T) bounds each poll. */
    for (bool done = false;;) {
        rc = show_round(c, id, &done);
        if (rc || done)
            return rc;
        nanosleep(&(struct timespec){0, POLL_MS * 1000000L}, NULL);
    }
}

int fabctl_cmd_probes(const ctl *c, const fabctl_probe_opts *po, char **args, int nargs)
{
    if (nargs >= 1 && !strcmp(args[0], "matrix")) {
        char path[64];
        snprintf(path, sizeof(path), "/api/v1/probes/matrix%s%s", po->kind ? "?kind=" : "",
                 po->kind ? po->kind : "");
        int rc;
        json_object *o = fabctl_call_json(c, "GET", path, NULL, &rc);
        if (o && !c->json)
            print_matrix(o);
        json_object_put(o);
        return rc;
    }
    if (nargs >= 1 && !strcmp(args[0], "round"))
        return start_round(c, po, args + 1, nargs - 1);
    if (nargs == 2 && !strcmp(args[0], "show")) {
        bool done;
        int rc = show_round(c, args[1], &done);
        if (!rc && !done)
            printf("round %s: not done yet\n", args[1]);
        return rc;
    }
    fprintf(stderr, "usage: fabricctl probes matrix | round [HOSTS...] | show ID\n");
    return EXIT_USAGE;
}

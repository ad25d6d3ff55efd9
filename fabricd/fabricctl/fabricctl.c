/* fabricctl: fabricd's command line. Every API call, as tables for people
 * or the API's JSON with --json, in the habits of infiniband-diags and
 * iproute2. Exit codes: 0 fine, 1 the API answered with an error, 2 usage,
 * 3 the daemon could not be reached. */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "ctl.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: fabricctl [-H HOST[:PORT]] [-S SOCKET] [-t TOKEN] [-j] COMMAND [ARGS]\n"
            "  status                      fabric summary and daemon health\n"
            "  health                      /healthz (exit 1 when not healthy)\n"
            "  topo [-f json|ibnetdiscover|dot|graphml]  nodes, or the topology file\n"
            "  ports [NODE]                ports with state, rate and counters\n"
            "  links [--congested|--errors|--down]\n"
            "  trace A B                   path as the switches route it\n"
            "  ring [-c CHANNELS] [--hostfile] HOSTS...   plan a ring (- reads a hostfile)\n"
            "  plans [ID]                  kept ring plans\n"
            "  events [--since ID] [--follow]\n"
            "  diff [MASTER]               live fabric against a master topology file\n"
            "  quality                     route quality report (all-to-all)\n"
            "  hosts [NAME]                probe agents registered (NAME: with inventory)\n"
            "  probes matrix [--kind bw|ib-bw]   measured bandwidth, slow pairs, groups, ring\n"
            "  probes round [--kind K] [--size B] [--duration MS] [--no-wait] [HOSTS...]\n"
            "                              fabricd probes every pair of the agents\n"
            "  probes show ID              a probe round's state and matrix\n"
            "  sweep                       sweep now and wait for it\n"
            "  metrics                     Prometheus text\n"
            "Environment: FABRICD_HOST, FABRICD_SOCKET, FABRICD_TOKEN. Default: 127.0.0.1:8734\n");
}

char *fabctl_call(const ctl *c, const char *method, const char *path, const char *ctype,
                  const char *body, size_t blen, int *rc)
{
    fabctl_resp r;
    if (fabctl_request(&c->conn, method, path, ctype, body, blen, &r)) {
        fprintf(stderr, "fabricctl: %s\n", r.error);
        *rc = EXIT_CONN;
        return NULL;
    }
    if (r.status >= 300) {
        json_object *o = json_tokener_parse(r.body), *e, *m;
        if (o && json_object_object_get_ex(o, "error", &e) &&
            json_object_object_get_ex(e, "message", &m))
            fprintf(stderr, "fabricctl: %d: %s\n", r.status, json_object_get_string(m));
        else
            fprintf(stderr, "fabricctl: HTTP %d\n", r.status);
        json_object_put(o);
        fabctl_resp_free(&r);
        *rc = EXIT_API;
        return NULL;
    }
    *rc = 0;
    return r.body;
}

json_object *fabctl_call_json(const ctl *c, const char *method, const char *path, const char *body,
                              int *rc)
{
    char *text = fabctl_call(c, method, path, body ? "application/json" : NULL, body,
                             body ? strlen(body) : 0, rc);
    if (!text)
        return NULL;
    if (c->json)
        fputs(text, stdout);
    json_object *o = json_tokener_parse(text);
    free(text);
    if (!o) {
        fprintf(stderr, "fabricctl: the reply is not JSON\n");
        *rc = EXIT_API;
    }
    return o;
}

json_object *fabctl_get(json_object *o, const char *key)
{
    json_object *v = NULL;
    json_object_object_get_ex(o, key, &v);
    return v;
}

const char *fabctl_str(json_object *o, const char *key)
{
    json_object *v = fabctl_get(o, key);
    return v ? json_object_get_string(v) : "";
}

double fabctl_num(json_object *o, const char *key)
{
    return json_object_get_double(fabctl_get(o, key));
}

/* Appends a percent-encoded value to a query string. */
static void urlenc(char *dst, size_t cap, const char *s)
{
    size_t n = strlen(dst);
    for (; *s && n + 4 < cap; s++) {
        unsigned char ch = (unsigned char)*s;
        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
            strchr("-_.~", ch))
            dst[n++] = (char)ch;
        else
            n += (size_t)snprintf(dst + n, cap - n, "%%%02X", ch);
    }
    dst[n] = '\0';
}

static int cmd_raw(const ctl *c, const char *path)
{
    int rc;
    char *text = fabctl_call(c, "GET", path, NULL, NULL, 0, &rc);
    if (text)
        fputs(text, stdout);
    free(text);
    return rc;
}

static int cmd_status(const ctl *c)
{
    int rc;
    json_object *o = fabctl_call_json(c, "GET", "/api/v1/status", NULL, &rc);
    if (!o || c->json)
        goto out;
    json_object *h = fabctl_get(o, "health"), *f = fabctl_get(o, "fabric");
    if (f) {
        printf(
            "fabric     %s%s, %s hosts, %s switches in %s tiers, %s links (%s between switches)\n",
            fabctl_str(f, "shape"),
            json_object_get_boolean(fabctl_get(f, "degraded")) ? " (degraded)" : "",
            fabctl_str(f, "hosts"), fabctl_str(f, "switches"), fabctl_str(f, "tiers"),
            fabctl_str(f, "links"), fabctl_str(f, "switch_links"));
        json_object *rates = fabctl_get(f, "rates");
        for (size_t i = 0; rates && i < json_object_array_length(rates); i++) {
            json_object *r = json_object_array_get_idx(rates, i);
            printf("rate       %s links at %s %s (%.0f Gb/s)\n", fabctl_str(r, "links"),
                   fabctl_str(r, "width"), fabctl_str(r, "speed"), fabctl_num(r, "rate_gbps"));
        }
        printf("routes     %s\n",
               json_object_get_boolean(fabctl_get(f, "routes")) ? "read" : "not yet");
    } else {
        printf("fabric     none yet (first sweep pending)\n");
    }
    printf("sweeps     %s (%s failed), last took %.3f s; counter polls %s, last %.3f s\n",
           fabctl_str(h, "sweeps"), fabctl_str(h, "sweep_failures"),
           fabctl_num(h, "last_sweep_seconds"), fabctl_str(h, "polls"),
           fabctl_num(h, "last_poll_seconds"));
    printf("links      %s down, %s congested, %s erroring directions\n",
           fabctl_str(h, "down_links"), fabctl_str(h, "congested_dlinks"),
           fabctl_str(h, "erroring_dlinks"));
    printf("events     last id %s\n", fabctl_str(h, "last_event_id"));
    if (*fabctl_str(h, "last_error"))
        printf("error      %s\n", fabctl_str(h, "last_error"));
    if (*fabctl_str(h, "last_lft_error"))
        printf("lft error  %s (%s failed reads)\n", fabctl_str(h, "last_lft_error"),
               fabctl_str(h, "lft_failures"));
out:
    json_object_put(o);
    return rc;
}

static int cmd_health(const ctl *c)
{
    fabctl_resp r;
    if (fabctl_request(&c->conn, "GET", "/healthz", NULL, NULL, 0, &r)) {
        fprintf(stderr, "fabricctl: %s\n", r.error);
        return EXIT_CONN;
    }
    json_object *o = json_tokener_parse(r.body);
    if (c->json)
        fputs(r.body, stdout);
    else
        printf("%s\n", o ? fabctl_str(o, "status") : "?");
    json_object_put(o);
    fabctl_resp_free(&r);
    return r.status == 200 ? 0 : EXIT_API;
}

static int cmd_topo(const ctl *c, const char *format)
{
    if (format) {
        char path[128] = "/api/v1/topology?format=";
        urlenc(path, sizeof(path), format);
        return cmd_raw(c, path);
    }
    int rc;
    json_object *o = fabctl_call_json(c, "GET", "/api/v1/nodes", NULL, &rc);
    if (o && !c->json) {
        json_object *nodes = fabctl_get(o, "nodes");
        printf("%-18s  %-6s %4s %5s %5s  %-12s %s\n", "GUID", "TYPE", "TIER", "LID", "PORTS",
               "HOST", "DESCRIPTION");
        for (size_t i = 0; i < json_object_array_length(nodes); i++) {
            json_object *n = json_object_array_get_idx(nodes, i);
            printf("%-18s  %-6s %4s %5s %5s  %-12s %s\n", fabctl_str(n, "guid"),
                   fabctl_str(n, "type"), fabctl_str(n, "tier"), fabctl_str(n, "lid"),
                   fabctl_str(n, "ports"), fabctl_str(n, "host"), fabctl_str(n, "desc"));
        }
    }
    json_object_put(o);
    return rc;
}

static int cmd_ports(const ctl *c, const char *node)
{
    char path[512] = "/api/v1/ports";
    if (node) {
        strcat(path, "?node=");
        urlenc(path, sizeof(path), node);
    }
    int rc;
    json_object *o = fabctl_call_json(c, "GET", path, NULL, &rc);
    if (o && !c->json) {
        json_object *ports = fabctl_get(o, "ports");
        printf("%-20s %4s %-7s %-4s %-5s %5s %14s %14s %10s %7s\n", "NODE", "PORT", "STATE", "WID",
               "SPEED", "LID", "XMIT_BYTES", "RCV_BYTES", "XMIT_WAIT", "ERR/S");
        for (size_t i = 0; i < json_object_array_length(ports); i++) {
            json_object *p = json_object_array_get_idx(ports, i), *k = fabctl_get(p, "counters");
            printf("%-20.20s %4s %-7s %-4s %-5s %5s %14s %14s %10s %7.2f\n", fabctl_str(p, "desc"),
                   fabctl_str(p, "port"), fabctl_str(p, "state"), fabctl_str(p, "width"),
                   fabctl_str(p, "speed"), fabctl_str(p, "lid"),
                   k ? fabctl_str(k, "xmit_bytes") : "-", k ? fabctl_str(k, "rcv_bytes") : "-",
                   k ? fabctl_str(k, "xmit_wait") : "-", k ? fabctl_num(k, "errors_per_s") : 0.0);
        }
    }
    json_object_put(o);
    return rc;
}

static int cmd_links(const ctl *c, const char *filter)
{
    char path[128];
    snprintf(path, sizeof(path), "/api/v1/links%s%s", filter ? "?filter=" : "",
             filter ? filter : "");
    int rc;
    json_object *o = fabctl_call_json(c, "GET", path, NULL, &rc);
    if (o && !c->json) {
        json_object *links = fabctl_get(o, "links");
        printf("%-24s %-24s %-5s %-9s %6s %6s %6s %6s %s\n", "A[PORT]", "B[PORT]", "STATE", "RATE",
               "UTIL>", "CONG>", "<UTIL", "<CONG", "FLAGS");
        for (size_t i = 0; i < json_object_array_length(links); i++) {
            json_object *l = json_object_array_get_idx(links, i), *a = fabctl_get(l, "a"),
                        *b = fabctl_get(l, "b"), *ab = fabctl_get(l, "ab"),
                        *ba = fabctl_get(l, "ba");
            char ea[64], eb[64], rate[24], flags[64] = "";
            snprintf(ea, sizeof(ea), "%.18s[%s]", fabctl_str(a, "desc"), fabctl_str(a, "port"));
            snprintf(eb, sizeof(eb), "%.18s[%s]", fabctl_str(b, "desc"), fabctl_str(b, "port"));
            snprintf(rate, sizeof(rate), "%s %s", fabctl_str(l, "width"), fabctl_str(l, "speed"));
            if (ab && ba) {
                if (json_object_get_boolean(fabctl_get(ab, "congested")) ||
                    json_object_get_boolean(fabctl_get(ba, "congested")))
                    strcat(flags, "congested ");
                if (json_object_get_boolean(fabctl_get(ab, "erroring")) ||
                    json_object_get_boolean(fabctl_get(ba, "erroring")))
                    strcat(flags, "errors ");
                printf("%-24s %-24s %-5s %-9s %6.3f %6.3f %6.3f %6.3f %s\n", ea, eb,
                       fabctl_str(l, "state"), rate, fabctl_num(ab, "utilization"),
                       fabctl_num(ab, "congestion"), fabctl_num(ba, "utilization"),
                       fabctl_num(ba, "congestion"), flags);
            } else {
                printf("%-24s %-24s %-5s %-9s %6s %6s %6s %6s\n", ea, eb, fabctl_str(l, "state"),
                       rate, "-", "-", "-", "-");
            }
        }
    }
    json_object_put(o);
    return rc;
}

static int cmd_trace(const ctl *c, const char *a, const char *b)
{
    char path[1024] = "/api/v1/trace?src=";
    urlenc(path, sizeof(path), a);
    strcat(path, "&dst=");
    urlenc(path, sizeof(path), b);
    int rc;
    json_object *o = fabctl_call_json(c, "GET", path, NULL, &rc);
    if (o && !c->json) {
        json_object *hops = fabctl_get(o, "hops");
        printf("%3s %-18s %-6s %5s %4s %4s  %s\n", "HOP", "GUID", "TYPE", "LID", "IN", "OUT",
               "DESCRIPTION");
        for (size_t i = 0; i < json_object_array_length(hops); i++) {
            json_object *h = json_object_array_get_idx(hops, i);
            printf("%3zu %-18s %-6s %5s %4s %4s  %s\n", i, fabctl_str(h, "guid"),
                   fabctl_str(h, "type"), fabctl_str(h, "lid"), fabctl_str(h, "in_port"),
                   fabctl_str(h, "out_port"), fabctl_str(h, "desc"));
        }
        printf("result: %s\n", fabctl_str(o, "result"));
        if (strcmp(fabctl_str(o, "result"), "ok") != 0)
            rc = EXIT_API;
    }
    json_object_put(o);
    return rc;
}

static void print_plan(json_object *o)
{
    json_object *p = fabctl_get(o, "plan"), *order = fabctl_get(o, "order");
    if (!strcmp(fabctl_str(o, "source"), "probes")) /* probes-only fabricd */
        printf("ring from the probes' %s matrix: %zu hosts, slowest hop %.1f MB/s",
               fabctl_str(o, "kind"), json_object_array_length(order),
               fabctl_num(o, "slowest_hop_mb_per_s"));
    else
        printf("plan %s%s: %zu hosts", fabctl_str(o, "id"),
               json_object_get_boolean(fabctl_get(o, "valid")) ? "" : " (invalidated)",
               json_object_array_length(order));
    if (p)
        printf(", %s channel(s), max load %s (bound %s), predicted busbw %.1f Gb/s",
               fabctl_str(p, "channels"), fabctl_str(p, "max_load"), fabctl_str(p, "lower_bound"),
               fabctl_num(p, "busbw_gbps"));
    printf("\nring order:");
    for (size_t i = 0; i < json_object_array_length(order); i++)
        printf(" %s", json_object_get_string(json_object_array_get_idx(order, i)));
    printf("\n");
    if (*fabctl_str(o, "invalid_reason"))
        printf("invalidated: %s (replaced by plan %s)\n", fabctl_str(o, "invalid_reason"),
               fabctl_str(o, "replaced_by"));
}

/* Host names from the arguments; "-" or "@FILE" reads a hostfile. */
static int cmd_ring(const ctl *c, int channels, bool hostfile, char **hosts, int n)
{
    json_object *list = json_object_new_array();
    for (int i = 0; i < n; i++) {
        if (!strcmp(hosts[i], "-") || hosts[i][0] == '@') {
            FILE *f = strcmp(hosts[i], "-") ? fopen(hosts[i] + 1, "r") : stdin;
            if (!f) {
                fprintf(stderr, "fabricctl: %s: %s\n", hosts[i] + 1, strerror(errno));
                json_object_put(list);
                return EXIT_USAGE;
            }
            char line[512];
            while (fgets(line, sizeof(line), f)) {
                char word[512];
                if (line[0] != '#' && sscanf(line, "%511s", word) == 1 && word[0] != '#')
                    json_object_array_add(list, json_object_new_string(word));
            }
            if (f != stdin)
                fclose(f);
        } else {
            json_object_array_add(list, json_object_new_string(hosts[i]));
        }
    }
    json_object *req = json_object_new_object();
    json_object_object_add(req, "hosts", list);
    json_object_object_add(req, "channels", json_object_new_int(channels));
    const char *body = json_object_to_json_string(req);
    int rc;
    if (hostfile) {
        char *text = fabctl_call(c, "POST", "/api/v1/ring?format=hostfile", "application/json",
                                 body, strlen(body), &rc);
        if (text)
            fputs(text, stdout);
        free(text);
    } else {
        json_object *o = fabctl_call_json(c, "POST", "/api/v1/ring", body, &rc);
        if (o && !c->json)
            print_plan(o);
        json_object_put(o);
    }
    json_object_put(req);
    return rc;
}

static int cmd_plans(const ctl *c, const char *id)
{
    char path[128];
    snprintf(path, sizeof(path), "/api/v1/plans%s%s", id ? "/" : "", id ? id : "");
    int rc;
    json_object *o = fabctl_call_json(c, "GET", path, NULL, &rc);
    if (o && !c->json) {
        if (id) {
            print_plan(o);
        } else {
            json_object *plans = fabctl_get(o, "plans");
            printf("%5s %-5s %6s %8s %10s %12s %11s\n", "ID", "VALID", "HOSTS", "CHANNELS",
                   "MAX_LOAD", "BUSBW_GBPS", "REPLACED_BY");
            for (size_t i = 0; i < json_object_array_length(plans); i++) {
                json_object *p = json_object_array_get_idx(plans, i);
                printf("%5s %-5s %6s %8s %10.3f %12.1f %11s\n", fabctl_str(p, "id"),
                       fabctl_str(p, "valid"), fabctl_str(p, "hosts"), fabctl_str(p, "channels"),
                       fabctl_num(p, "max_load"), fabctl_num(p, "busbw_gbps"),
                       fabctl_str(p, "replaced_by"));
            }
        }
    }
    json_object_put(o);
    return rc;
}

static void print_event(json_object *e)
{
    time_t t = (time_t)fabctl_num(e, "time");
    struct tm tm;
    char ts[32];
    strftime(ts, sizeof(ts), "%Y-%m-%d %H:%M:%S", localtime_r(&t, &tm));
    printf("%6s %s %-18s %s\n", fabctl_str(e, "id"), ts, fabctl_str(e, "type"),
           fabctl_str(e, "message"));
}

static int cmd_events(const ctl *c, unsigned long long since, bool follow)
{
    for (;;) {
        char path[128];
        snprintf(path, sizeof(path), "/api/v1/events?since=%llu&wait=%d", since, follow ? 30 : 0);
        int rc;
        bool json = c->json;
        ctl quiet = *c;
        quiet.json = false; /* --json prints one event object a line */
        json_object *o = fabctl_call_json(&quiet, "GET", path, NULL, &rc);
        if (!o)
            return rc;
        json_object *evs = fabctl_get(o, "events");
        for (size_t i = 0; i < json_object_array_length(evs); i++) {
            json_object *e = json_object_array_get_idx(evs, i);
            if (json)
                printf("%s\n", json_object_to_json_string_ext(e, JSON_C_TO_STRING_PLAIN));
            else
                print_event(e);
            since = (unsigned long long)json_object_get_int64(fabctl_get(e, "id"));
        }
        fflush(stdout);
        json_object_put(o);
        if (!follow)
            return 0;
    }
}

static int cmd_diff(const ctl *c, const char *master)
{
    char *body = NULL;
    size_t blen = 0;
    if (master) {
        FILE *f = fopen(master, "r");
        if (!f) {
            fprintf(stderr, "fabricctl: %s: %s\n", master, strerror(errno));
            return EXIT_USAGE;
        }
        FILE *m = open_memstream(&body, &blen);
        char buf[65536];
        size_t n;
        while (m && (n = fread(buf, 1, sizeof(buf), f)) > 0)
            fwrite(buf, 1, n, m);
        fclose(f);
        if (m)
            fclose(m);
    }
    int rc;
    char *text =
        fabctl_call(c, master ? "POST" : "GET", "/api/v1/diff", "text/plain", body, blen, &rc);
    free(body);
    if (!text)
        return rc;
    json_object *o = json_tokener_parse(text);
    if (c->json || !o) {
        fputs(text, stdout);
    } else {
        json_object *nodes = fabctl_get(o, "nodes"), *links = fabctl_get(o, "links");
        for (size_t i = 0; i < json_object_array_length(nodes); i++) {
            json_object *n = json_object_array_get_idx(nodes, i);
            printf("%-9s node %s %s \"%s\"\n", fabctl_str(n, "kind"), fabctl_str(n, "type"),
                   fabctl_str(n, "guid"), fabctl_str(n, "desc"));
        }
        for (size_t i = 0; i < json_object_array_length(links); i++) {
            json_object *l = json_object_array_get_idx(links, i), *a = fabctl_get(l, "a"),
                        *b = fabctl_get(l, "b");
            printf("%-9s link \"%s\"[%s] - \"%s\"[%s]  %s %s -> %s %s\n", fabctl_str(l, "kind"),
                   fabctl_str(a, "desc"), fabctl_str(a, "port"), fabctl_str(b, "desc"),
                   fabctl_str(b, "port"), fabctl_str(l, "ref_width"), fabctl_str(l, "ref_speed"),
                   fabctl_str(l, "width"), fabctl_str(l, "speed"));
        }
        if (json_object_get_boolean(fabctl_get(o, "equal")))
            printf("equal: the live fabric matches the master\n");
    }
    /* Differences are an answer, not an error; scripts test "equal". */
    json_object_put(o);
    free(text);
    return 0;
}

static int cmd_sweep(const ctl *c)
{
    int rc;
    json_object *o = fabctl_call_json(c, "POST", "/api/v1/sweep", "", &rc);
    if (o && !c->json)
        printf("sweep %s done\n", fabctl_str(o, "sweep"));
    json_object_put(o);
    return rc;
}

/* -H: "host", "host:port", "http://host:port[/]", "[v6addr]:port". */
static int parse_host(ctl *c, const char *arg, char *buf, size_t cap)
{
    if (!strncmp(arg, "http://", 7))
        arg += 7;
    snprintf(buf, cap, "%s", arg);
    char *slash = strchr(buf, '/');
    if (slash)
        *slash = '\0';
    char *colon = strrchr(buf, ':');
    char *close = strrchr(buf, ']');
    if (colon && (!close || colon > close)) {
        *colon = '\0';
        c->conn.port = atoi(colon + 1);
    }
    if (buf[0] == '[') {
        buf++;
        if (close)
            *close = '\0';
    }
    c->conn.host = buf;
    return c->conn.port > 0 && c->conn.port < 65536 ? 0 : -1;
}

int main(int argc, char **argv)
{
    static char hostbuf[512];
    ctl c = {.conn = {.host = "127.0.0.1", .port = 8734, .timeout_s = 120}};
    c.conn.socket_path = getenv("FABRICD_SOCKET");
    c.conn.token = getenv("FABRICD_TOKEN");
    if (getenv("FABRICD_HOST") &&
        parse_host(&c, getenv("FABRICD_HOST"), hostbuf, sizeof(hostbuf))) {
        fprintf(stderr, "fabricctl: FABRICD_HOST: expected HOST[:PORT]\n");
        return EXIT_USAGE;
    }
    const char *format = NULL, *filter = NULL;
    int channels = 1;
    bool hostfile = false, follow = false;
    unsigned long long since = 0;
    fabctl_probe_opts po = {0};
    enum {
        O_CONG = 256,
        O_ERR,
        O_DOWN,
        O_HOSTFILE,
        O_FOLLOW,
        O_SINCE,
        O_KIND,
        O_SIZE,
        O_DUR,
        O_NOWAIT
    };
    static const struct option opts[] = {{"host", required_argument, 0, 'H'},
                                         {"socket", required_argument, 0, 'S'},
                                         {"token", required_argument, 0, 't'},
                                         {"json", no_argument, 0, 'j'},
                                         {"format", required_argument, 0, 'f'},
                                         {"channels", required_argument, 0, 'c'},
                                         {"timeout", required_argument, 0, 'T'},
                                         {"congested", no_argument, 0, O_CONG},
                                         {"errors", no_argument, 0, O_ERR},
                                         {"down", no_argument, 0, O_DOWN},
                                         {"hostfile", no_argument, 0, O_HOSTFILE},
                                         {"follow", no_argument, 0, O_FOLLOW},
                                         {"since", required_argument, 0, O_SINCE},
                                         {"kind", required_argument, 0, O_KIND},
                                         {"size", required_argument, 0, O_SIZE},
                                         {"duration", required_argument, 0, O_DUR},
                                         {"no-wait", no_argument, 0, O_NOWAIT},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    int o;
    while ((o = getopt_long(argc, argv, "H:S:t:jf:c:T:h", opts, NULL)) != -1) {
        switch (o) {
        case 'H':
            if (parse_host(&c, optarg, hostbuf, sizeof(hostbuf))) {
                fprintf(stderr, "fabricctl: -H: expected HOST[:PORT]\n");
                return EXIT_USAGE;
            }
            c.conn.socket_path = NULL;
            break;
        case 'S':
            c.conn.socket_path = optarg;
            break;
        case 't':
            c.conn.token = optarg;
            break;
        case 'j':
            c.json = true;
            break;
        case 'f':
            format = optarg;
            break;
        case 'c':
            channels = atoi(optarg);
            break;
        case 'T':
            c.conn.timeout_s = atoi(optarg);
            break;
        case O_CONG:
            filter = "congested";
            break;
        case O_ERR:
            filter = "errors";
            break;
        case O_DOWN:
            filter = "down";
            break;
        case O_HOSTFILE:
            hostfile = true;
            break;
        case O_FOLLOW:
            follow = true;
            break;
        case O_SINCE:
            since = strtoull(optarg, NULL, 10);
            break;
        case O_KIND:
            po.kind = optarg;
            break;
        case O_SIZE:
            po.size = atol(optarg);
            break;
        case O_DUR:
            po.duration_ms = atol(optarg);
            break;
        case O_NOWAIT:
            po.no_wait = true;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    /* GNU getopt permutes: options may also follow the command
     * (fabricctl links --congested). */
    if (optind >= argc) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[optind++];
    char **args = argv + optind;
    int nargs = argc - optind;
    if (!strcmp(cmd, "status"))
        return cmd_status(&c);
    if (!strcmp(cmd, "health"))
        return cmd_health(&c);
    if (!strcmp(cmd, "topo"))
        return cmd_topo(&c, format);
    if (!strcmp(cmd, "ports"))
        return cmd_ports(&c, nargs ? args[0] : NULL);
    if (!strcmp(cmd, "links"))
        return cmd_links(&c, filter);
    if (!strcmp(cmd, "trace") && nargs == 2)
        return cmd_trace(&c, args[0], args[1]);
    if (!strcmp(cmd, "ring") && nargs > 0)
        return cmd_ring(&c, channels, hostfile, args, nargs);
    if (!strcmp(cmd, "plans"))
        return cmd_plans(&c, nargs ? args[0] : NULL);
    if (!strcmp(cmd, "events"))
        return cmd_events(&c, since, follow);
    if (!strcmp(cmd, "diff"))
        return cmd_diff(&c, nargs ? args[0] : NULL);
    if (!strcmp(cmd, "quality"))
        return cmd_raw(&c,
                       c.json ? "/api/v1/routes/quality" : "/api/v1/routes/quality?format=text");
    if (!strcmp(cmd, "sweep"))
        return cmd_sweep(&c);
    if (!strcmp(cmd, "hosts") && nargs <= 1)
        return fabctl_cmd_hosts(&c, nargs ? args[0] : NULL);
    if (!strcmp(cmd, "probes"))
        return fabctl_cmd_probes(&c, &po, args, nargs);
    if (!strcmp(cmd, "metrics"))
        return cmd_raw(&c, "/metrics");
    usage(stderr);
    return EXIT_USAGE;
}

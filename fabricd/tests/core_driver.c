/* A line-oriented driver of the daemon core for tests: runs fabd_core on the
 * (simulated) fabric and answers commands read from standard input, one
 * reply block per command ended by "done N" (N counts commands), so that a
 * shell test can drive ibsim's console and this core side by side.
 *
 *   fabd_core_driver --state DIR [--sweep-ms N] [--poll-ms N] [--master F]
 *
 * Commands:
 *   sweep                    trigger a sweep and wait for it: "swept SEQ"
 *   wait TYPE [MS]           next event of TYPE after those seen: "event ..."
 *                            or "timeout"
 *   events                   every kept event: "event ..." lines
 *   links                    "link A[p] B[p] up cong_ab cong_ba congested_ab
 *                            congested_ba" and "down A[p] B[p]" lines
 *   plan HOST...             "plan ID MAXLOAD SECONDS" and a "uses A[p] B[p]" line
 *                            for each directed switch-to-switch link it loads
 *   diff [MASTER]            "diff KIND A[p] B[p]" / "diffnode KIND DESC"
 *   trace SRC DST            "lids SRC DST", "hop DESC IN OUT" lines, "result R"
 *   health                   "health sweeps=N polls=N ok=0|1 nodes=N ... sweep_s=S
 *                            lft_s=S poll_s=S" (times of the last of each)
 *   quit */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "state.h"

static void print_event(const fabd_event *ev)
{
    printf("event %" PRIu64 " %s 0x%016" PRIx64 " %d 0x%016" PRIx64 " %d %g %s\n", ev->id,
           fabd_event_type_str(ev->type), ev->guid_a, ev->port_a, ev->guid_b, ev->port_b, ev->value,
           ev->message);
}

static const char *node_desc(const ftopo_fabric *f, ftopo_node_id n)
{
    ftopo_node_info ni;
    return ftopo_node_get(f, n, &ni) == FTOPO_OK ? ni.desc : "?";
}

static void cmd_wait(fabd_core *core, uint64_t *cursor, const char *type, int ms)
{
    for (;;) {
        fabd_event *evs;
        size_t n;
        uint64_t latest;
        if (fabd_core_events(core, *cursor, 64, ms, &evs, &n, &latest) != FTOPO_OK || n == 0) {
            free(evs);
            printf("timeout\n");
            return;
        }
        for (size_t i = 0; i < n; i++) {
            *cursor = evs[i].id;
            if (strcmp(fabd_event_type_str(evs[i].type), type) == 0) {
                print_event(&evs[i]);
                free(evs);
                return;
            }
        }
        free(evs);
    }
}

static void cmd_events(fabd_core *core)
{
    fabd_event *evs;
    size_t n;
    uint64_t latest;
    if (fabd_core_events(core, 0, 1000000, 0, &evs, &n, &latest) != FTOPO_OK)
        return;
    for (size_t i = 0; i < n; i++)
        print_event(&evs[i]);
    free(evs);
}

static void cmd_links(fabd_core *core)
{
    fabd_snapshot *s = fabd_core_snapshot(core);
    if (!s) {
        printf("error no snapshot\n");
        return;
    }
    for (size_t l = 0; l < ftopo_num_links(s->fabric); l++) {
        ftopo_link_info li;
        ftopo_link_get(s->fabric, (ftopo_link_id)l, &li);
        const fabd_dlink_stats *ab = &s->dlinks[2 * l], *ba = &s->dlinks[2 * l + 1];
        printf("link %s[%d] %s[%d] up %.3f %.3f %d %d\n", node_desc(s->fabric, li.node_a),
               li.port_a, node_desc(s->fabric, li.node_b), li.port_b, ab->congestion,
               ba->congestion, ab->congested, ba->congested);
    }
    for (size_t i = 0; i < s->num_down_links; i++)
        printf("down %s[%d] %s[%d]\n", s->down_links[i].desc_a, s->down_links[i].port_a,
               s->down_links[i].desc_b, s->down_links[i].port_b);
    fabd_snapshot_release(s);
}

static void cmd_plan(fabd_core *core, char **hosts, size_t n)
{
    fabd_plan *p;
    ftopo_diag d = {0};
    if (fabd_core_plan(core, (const char *const *)hosts, n, 1, &p, &d) != FTOPO_OK) {
        printf("error %s\n", d.message);
        return;
    }
    printf("plan %" PRIu64 " %.3f %.4f\n", p->id, p->plan.max_load, p->plan.plan_seconds);
    const ftopo_fabric *f = p->snap->fabric;
    for (size_t dl = 0; dl < p->plan.num_dlinks; dl++) {
        if (!p->plan.dlink_flows[dl])
            continue;
        ftopo_link_info li;
        ftopo_node_info a, b;
        ftopo_link_get(f, (ftopo_link_id)(dl / 2), &li);
        ftopo_node_get(f, li.node_a, &a);
        ftopo_node_get(f, li.node_b, &b);
        if (a.type != FTOPO_NODE_SWITCH || b.type != FTOPO_NODE_SWITCH)
            continue;
        if (dl % 2 == 0)
            printf("uses %s[%d] %s[%d]\n", a.desc, li.port_a, b.desc, li.port_b);
        else
            printf("uses %s[%d] %s[%d]\n", b.desc, li.port_b, a.desc, li.port_a);
    }
    fabd_plan_release(p);
}

static void cmd_diff(fabd_core *core, const char *master)
{
    fabd_diff diff;
    ftopo_diag d = {0};
    if (fabd_core_master_diff(core, master, &diff, &d) != FTOPO_OK) {
        printf("error %s\n", d.message);
        return;
    }
    for (size_t i = 0; i < diff.num_nodes; i++)
        printf("diffnode %s %s\n", fabd_diff_kind_str(diff.nodes[i].kind), diff.nodes[i].desc);
    for (size_t i = 0; i < diff.num_links; i++)
        printf("diff %s %s[%d] %s[%d]\n", fabd_diff_kind_str(diff.links[i].kind),
               diff.links[i].desc_a, diff.links[i].port_a, diff.links[i].desc_b,
               diff.links[i].port_b);
    fabd_diff_free(&diff);
}

static void cmd_trace(fabd_core *core, const char *src, const char *dst)
{
    fabd_snapshot *s = fabd_core_snapshot(core);
    ftopo_trace t;
    ftopo_diag d = {0};
    if (!s || fabd_snapshot_trace(s, src, dst, &t, &d) != FTOPO_OK) {
        printf("error %s\n", s ? d.message : "no snapshot");
        fabd_snapshot_release(s);
        return;
    }
    const ftopo_hop *first = &t.hops[0], *last = &t.hops[t.num_hops - 1];
    printf("lids %u %u\n", (unsigned)ftopo_routes_port_lid(s->routes, first->node, first->out_port),
           (unsigned)ftopo_routes_port_lid(s->routes, last->node, last->in_port));
    for (size_t i = 0; i < t.num_hops; i++)
        printf("hop %s %d %d\n", node_desc(s->fabric, t.hops[i].node), t.hops[i].in_port,
               t.hops[i].out_port);
    printf("result %s\n", ftopo_path_result_str(t.result));
    ftopo_trace_free(&t);
    fabd_snapshot_release(s);
}

static void cmd_health(fabd_core *core)
{
    fabd_health h;
    fabd_core_health(core, &h);
    printf("health sweeps=%" PRIu64 " polls=%" PRIu64 " ok=%d nodes=%zu links=%zu down=%zu "
           "congested=%zu last_event=%" PRIu64 " sweep_s=%.3f lft_s=%.3f poll_s=%.3f\n",
           h.sweeps, h.polls, h.last_sweep_ok, h.nodes, h.links, h.down_links, h.congested_dlinks,
           h.last_event_id, h.last_sweep_seconds, h.last_lft_seconds, h.last_poll_seconds);
}

int main(int argc, char **argv)
{
    int child_rc = fabd_mad_child_main(argc, argv);
    if (child_rc >= 0)
        return child_rc;
    fabd_core_opts o = {
        .sweep_interval_ms = 1000, .poll_interval_ms = 500, .log_level = FTOPO_LOG_WARN};
    static const struct option longs[] = {
        {"state", required_argument, NULL, 's'},   {"sweep-ms", required_argument, NULL, 'S'},
        {"poll-ms", required_argument, NULL, 'P'}, {"master", required_argument, NULL, 'm'},
        {"verbose", no_argument, NULL, 'v'},       {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "s:S:P:m:v", longs, NULL)) != -1) {
        switch (c) {
        case 's':
            o.state_dir = optarg;
            break;
        case 'S':
            o.sweep_interval_ms = atoi(optarg);
            break;
        case 'P':
            o.poll_interval_ms = atoi(optarg);
            break;
        case 'm':
            o.master_path = optarg;
            break;
        case 'v':
            o.log_level = FTOPO_LOG_DEBUG;
            break;
        default:
            fprintf(stderr, "usage: %s --state DIR [--sweep-ms N] [--poll-ms N] [--master F]\n",
                    argv[0]);
            return 2;
        }
    }
    fabd_core *core;
    ftopo_diag d = {0};
    if (fabd_core_create(&o, &core, &d) != FTOPO_OK || fabd_core_start(core, &d) != FTOPO_OK) {
        fprintf(stderr, "core: %s\n", d.message);
        return 1;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    uint64_t cursor;
    fabd_health h;
    fabd_core_health(core, &h);
    cursor = h.last_event_id; /* wait only for what happens from now on */
    char *line = NULL;
    size_t cap = 0;
    unsigned count = 0;
    enum { MAX_ARGS = 8192 }; /* a plan for thousands of hosts is one line */
    char **args = malloc(MAX_ARGS * sizeof(*args));
    if (!args)
        return 1;
    while (getline(&line, &cap, stdin) > 0) {
        size_t n = 0;
        for (char *tok = strtok(line, " \t\n"); tok && n < MAX_ARGS; tok = strtok(NULL, " \t\n"))
            args[n++] = tok;
        if (n == 0)
            continue;
        if (strcmp(args[0], "quit") == 0)
            break;
        if (strcmp(args[0], "sweep") == 0) {
            uint64_t seq;
            if (fabd_core_trigger_sweep(core, 60000, &seq) == FTOPO_OK)
                printf("swept %" PRIu64 "\n", seq);
            else
                printf("timeout\n");
        } else if (strcmp(args[0], "wait") == 0 && n >= 2) {
            cmd_wait(core, &cursor, args[1], n > 2 ? atoi(args[2]) : 5000);
        } else if (strcmp(args[0], "events") == 0) {
            cmd_events(core);
        } else if (strcmp(args[0], "links") == 0) {
            cmd_links(core);
        } else if (strcmp(args[0], "plan") == 0) {
            cmd_plan(core, args + 1, n - 1);
        } else if (strcmp(args[0], "diff") == 0) {
            cmd_diff(core, n > 1 ? args[1] : NULL);
        } else if (strcmp(args[0], "trace") == 0 && n == 3) {
            cmd_trace(core, args[1], args[2]);
        } else if (strcmp(args[0], "health") == 0) {
            cmd_health(core);
        } else {
            printf("error unknown command %s\n", args[0]);
        }
        printf("done %u\n", ++count);
    }
    free(line);
    free(args);
    fabd_core_destroy(core);
    return 0;
}

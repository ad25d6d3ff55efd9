/* The daemon core without a fabric: fabric diffs, the event ring and its
 * log across a restart (with compaction), long polling, and the errors the
 * API gets before the first sweep. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "core_int.h"
#include "ftopo/io.h"

/* One switch, two hosts: h1 cabled or not, h2 at the given width. */
static ftopo_fabric *fabric_from(bool h1_cabled, const char *h2_width)
{
    char text[2048];
    snprintf(text, sizeof(text),
             "Switch\t4 \"S-0000000000000010\"\t# \"sw1\" base port 0 lid 1 lmc 0\n"
             "%s"
             "[2]\t\"H-0000000000000030\"[1](31) \t# \"h2 HCA-1\" lid 3 %sEDR\n"
             "\n"
             "Ca\t1 \"H-0000000000000020\"\t# \"h1 HCA-1\"\n"
             "%s"
             "\n"
             "Ca\t1 \"H-0000000000000030\"\t# \"h2 HCA-1\"\n"
             "[1](31) \t\"S-0000000000000010\"[2]\t# lid 3 lmc 0 \"sw1\" lid 1 %sEDR\n",
             h1_cabled ? "[1]\t\"H-0000000000000020\"[1](21) \t# \"h1 HCA-1\" lid 2 4xEDR\n" : "",
             h2_width,
             h1_cabled ? "[1](21) \t\"S-0000000000000010\"[1]\t# lid 2 lmc 0 \"sw1\" lid 1 4xEDR\n"
                       : "",
             h2_width);
    ftopo_fabric *f = NULL;
    ftopo_diag d = {0};
    ftopo_status st =
        ftopo_read_buffer(text, strlen(text), FTOPO_FORMAT_IBNETDISCOVER, "test", &f, &d);
    if (st != FTOPO_OK)
        fail_msg("%s", d.message);
    return f;
}

static void test_diff(void **state)
{
    (void)state;
    ftopo_fabric *ref = fabric_from(true, "4x");
    ftopo_fabric *same = fabric_from(true, "4x");
    ftopo_fabric *worse = fabric_from(false, "1x");
    fabd_diff diff;

    assert_int_equal(fabd_fabric_diff(ref, same, &diff, NULL), FTOPO_OK);
    assert_int_equal(diff.num_nodes + diff.num_links, 0);
    fabd_diff_free(&diff);

    assert_int_equal(fabd_fabric_diff(ref, worse, &diff, NULL), FTOPO_OK);
    assert_int_equal(diff.num_nodes, 0);
    assert_int_equal(diff.num_links, 2);
    bool missing = false, degraded = false;
    for (size_t i = 0; i < diff.num_links; i++) {
        const fabd_diff_link *l = &diff.links[i];
        if (l->kind == FABD_DIFF_MISSING) {
            missing = true;
            assert_true(strcmp(l->desc_a, "h1 HCA-1") == 0 || strcmp(l->desc_b, "h1 HCA-1") == 0);
        } else if (l->kind == FABD_DIFF_DEGRADED) {
            degraded = true;
            assert_int_equal(l->ref_width, FTOPO_WIDTH_4X);
            assert_int_equal(l->width, FTOPO_WIDTH_1X);
        }
    }
    assert_true(missing && degraded);
    fabd_diff_free(&diff);

    /* The other way round: an extra link, and an upgrade. */
    assert_int_equal(fabd_fabric_diff(worse, ref, &diff, NULL), FTOPO_OK);
    assert_int_equal(diff.num_links, 2);
    assert_true(diff.links[0].kind == FABD_DIFF_UPGRADED ||
                diff.links[1].kind == FABD_DIFF_UPGRADED);
    assert_true(diff.links[0].kind == FABD_DIFF_EXTRA || diff.links[1].kind == FABD_DIFF_EXTRA);
    fabd_diff_free(&diff);

    assert_int_equal(fabd_fabric_diff(NULL, ref, &diff, NULL), FTOPO_ERR_ARG);
    ftopo_fabric_destroy(ref);
    ftopo_fabric_destroy(same);
    ftopo_fabric_destroy(worse);
}

static char *make_state_dir(void)
{
    char tmpl[] = "/tmp/fabd-unit.XXXXXX";
    char *dir = mkdtemp(tmpl);
    assert_non_null(dir);
    return strdup(dir);
}

static void remove_state_dir(char *dir)
{
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    free(dir);
}

static fabd_core *core_on(const char *dir, size_t max_events)
{
    fabd_core_opts o = {.state_dir = dir, .max_events = max_events, .log_level = FTOPO_LOG_WARN};
    fabd_core *core = NULL;
    ftopo_diag d = {0};
    if (fabd_core_create(&o, &core, &d) != FTOPO_OK)
        fail_msg("%s", d.message);
    return core;
}

static void test_events_persist(void **state)
{
    (void)state;
    char *dir = make_state_dir();
    fabd_core *core = core_on(dir, 3);
    for (int i = 1; i <= 8; i++)
        fabd__event_emitf(core, FABD_EV_LINK_DOWN, i, "link %d down", i);
    fabd_event *evs;
    size_t n;
    uint64_t latest;
    assert_int_equal(fabd_core_events(core, 0, 100, 0, &evs, &n, &latest), FTOPO_OK);
    assert_int_equal(n, 3); /* the ring keeps the newest 3 */
    assert_int_equal(evs[0].id, 6);
    assert_int_equal(latest, 8);
    free(evs);
    fabd_core_destroy(core);
    /* The file stays within twice the ring (rewritten at the 7th line). */
    char path[512], cmd[600];
    snprintf(path, sizeof(path), "%s/events.jsonl", dir);
    snprintf(cmd, sizeof(cmd), "test $(wc -l < '%s') -le 6", path);
    assert_int_equal(system(cmd), 0);

    /* A restart restores them (the log is compacted to the ring), ids go on. */
    core = core_on(dir, 3);
    assert_int_equal(fabd_core_events(core, 0, 100, 0, &evs, &n, &latest), FTOPO_OK);
    assert_int_equal(n, 3);
    assert_int_equal(evs[2].id, 8);
    assert_string_equal(evs[2].message, "link 8 down");
    assert_int_equal(evs[2].type, FABD_EV_LINK_DOWN);
    free(evs);
    fabd__event_emitf(core, FABD_EV_LINK_UP, 0, "back");
    assert_int_equal(fabd_core_events(core, 8, 100, 0, &evs, &n, &latest), FTOPO_OK);
    assert_int_equal(n, 1);
    assert_int_equal(evs[0].id, 9);
    free(evs);
    fabd_core_destroy(core);

    /* A torn last line (crash while writing) is skipped. */
    FILE *f = fopen(path, "a");
    assert_non_null(f);
    fputs("{\"id\": 10, \"type\": \"link_d", f);
    fclose(f);
    core = core_on(dir, 3);
    assert_int_equal(fabd_core_events(core, 0, 100, 0, &evs, &n, &latest), FTOPO_OK);
    assert_int_equal(latest, 9);
    free(evs);
    fabd_core_destroy(core);
    remove_state_dir(dir);
}

static void test_long_poll(void **state)
{
    (void)state;
    fabd_core *core = core_on(NULL, 0);
    fabd_event *evs;
    size_t n;
    uint64_t latest;
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    assert_int_equal(fabd_core_events(core, 0, 10, 200, &evs, &n, &latest), FTOPO_OK);
    clock_gettime(CLOCK_MONOTONIC, &b);
    assert_int_equal(n, 0);
    assert_null(evs);
    double waited = (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
    assert_true(waited >= 0.19);
    assert_int_equal(fabd_core_events(core, 0, 0, 0, &evs, &n, &latest), FTOPO_ERR_ARG);
    fabd_core_destroy(core);
}

static void test_api_before_first_sweep(void **state)
{
    (void)state;
    fabd_core *core = core_on(NULL, 0);
    assert_null(fabd_core_snapshot(core));
    fabd_plan *p;
    ftopo_diag d = {0};
    const char *hosts[] = {"h1", "h2"};
    assert_int_equal(fabd_core_plan(core, hosts, 2, 1, &p, &d), FTOPO_ERR_STATE);
    fabd_diff diff;
    assert_int_equal(fabd_core_master_diff(core, NULL, &diff, &d), FTOPO_ERR_NOT_FOUND);
    assert_int_equal(fabd_core_master_diff(core, "/nonexistent", &diff, &d), FTOPO_ERR_STATE);
    ftopo_fabric *master = fabric_from(true, "4x");
    assert_int_equal(fabd_core_diff_with(core, master, &diff, &d), FTOPO_ERR_STATE);
    ftopo_fabric_destroy(master);
    assert_int_equal(fabd_core_plan_get(core, 1, &p), FTOPO_ERR_NOT_FOUND);
    fabd_health h;
    fabd_core_health(core, &h);
    assert_false(h.running);
    assert_int_equal(h.sweeps, 0);
    assert_int_equal(fabd_core_trigger_sweep(core, 50, NULL), FTOPO_ERR_TIMEOUT);
    assert_string_equal(fabd_event_type_str(FABD_EV_COUNT), "unknown");
    assert_string_equal(fabd_diff_kind_str(FABD_DIFF_DEGRADED), "degraded");
    fabd_core_destroy(core);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_diff),
        cmocka_unit_test(test_events_persist),
        cmocka_unit_test(test_long_poll),
        cmocka_unit_test(test_api_before_first_sweep),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

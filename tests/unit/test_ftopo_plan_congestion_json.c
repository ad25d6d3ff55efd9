/* The congestion file's JSON form: the same links as the text form give
 * the same capacities, and every error names the file, the line and the
 * element's path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <cmocka.h>

#include "route_fixtures.h"

static char *write_temp(const char *text)
{
    char *path = strdup("/tmp/test_ftopo_plan_cong.XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

static ftopo_status read_text(const ftopo_fabric *f, const char *text, double **avail,
                              ftopo_diag *diag)
{
    char *path = write_temp(text);
    *avail = NULL;
    ftopo_status st = ftopo_congestion_read_file(f, path, avail, diag);
    unlink(path);
    free(path);
    return st;
}

static int port_to(const ftopo_fabric *f, const char *from, const char *to)
{
    ftopo_node_id a, b;
    assert_int_equal(ftopo_find_by_desc(f, from, &a), FTOPO_OK);
    assert_int_equal(ftopo_find_by_desc(f, to, &b), FTOPO_OK);
    return rx_port_to(f, a, b);
}

static void test_same_as_text(void **state)
{
    (void)state;
    fx x;
    fx_init(&x);
    fx_fat_tree_2(&x, 2, 2, 4, 1);
    const ftopo_fabric *f = x.f;
    ftopo_node_id leaf;
    assert_int_equal(ftopo_find_by_desc(f, "leaf01", &leaf), FTOPO_OK);
    ftopo_node_info li;
    assert_int_equal(ftopo_node_get(f, leaf, &li), FTOPO_OK);
    int up = port_to(f, "leaf01", "spine02"), down = port_to(f, "spine01", "leaf02");
    char text[256], json[512];
    snprintf(text, sizeof(text), "0x%016llx %d 0.25\n\"spine01\" %d 0.5 both\n\"leaf02\" 1 0\n",
             (unsigned long long)li.node_guid, up, down);
    snprintf(json, sizeof(json),
             "  {\"time\": 12,\n"
             "   \"links\": [\n"
             "    {\"guid\": \"0x%016llx\", \"port\": %d, \"avail\": 0.25},\n"
             "    {\"node\": \"spine01\", \"port\": %d, \"avail\": 0.5, \"both\": true},\n"
             "    {\"node\": \"leaf02\", \"port\": 1, \"avail\": 0, \"both\": false}\n"
             "  ]}\n",
             (unsigned long long)li.node_guid, up, down);
    double *a = NULL, *b = NULL;
    ftopo_diag diag = {0};
    assert_int_equal(read_text(f, text, &a, &diag), FTOPO_OK);
    if (read_text(f, json, &b, &diag) != FTOPO_OK)
        fail_msg("%s", diag.message);
    size_t nd = 2 * ftopo_num_links(f), changed = 0;
    for (size_t d = 0; d < nd; d++) {
        assert_true(a[d] == b[d]);
        changed += a[d] != 1.0;
    }
    assert_int_equal(changed, 4);
    free(a);
    free(b);
    /* An empty list: every link idle. */
    assert_int_equal(read_text(f, "{\"links\": []}", &b, &diag), FTOPO_OK);
    for (size_t d = 0; d < nd; d++)
        assert_true(b[d] == 1.0);
    free(b);
    ftopo_fabric_destroy(x.f);
}

static void test_errors(void **state)
{
    (void)state;
    fx x;
    fx_init(&x);
    fx_fat_tree_2(&x, 2, 2, 4, 1);
    static const char *bad[][2] = {
        {"{\"links\": [\n{\"node\": \"spine01\" \"port\": 1}]}", ":2:"},
        {"{\"links\": [}", ":1:"},
        {"{\"link\": []}", ": $: needs a \"links\" array"},
        {"{\"links\": {}}", ": $: needs a \"links\" array"},
        {"{\"links\": [\n\n 3]}", ":3: links[0]: must be an object, not int"},
        {"{\"links\": [{\"node\": \"spine01\", \"port\": 1, \"avail\": 1},\n"
         "{\"node\": \"spine01\", \"port\": 1, \"avial\": 1}]}",
         ":2: links[1]: unknown key \"avial\""},
        {"{\"links\": [{\"node\": \"spine01\", \"port\": \"1\", \"avail\": 1}]}",
         ":1: links[0].port: must be int, not string"},
        {"{\"links\": [{\"node\": \"spine01\", \"port\": 1, \"avail\": 1, \"both\": 1}]}",
         "links[0].both: must be boolean, not int"},
        {"{\"links\": [{\"port\": 1, \"avail\": 1}]}",
         "links[0]: needs one of \"node\" and \"guid\""},
        {"{\"links\": [{\"node\": \"spine01\", \"guid\": \"0x1\", \"port\": 1, \"avail\": 1}]}",
         "needs one of"},
        {"{\"links\": [{\"node\": \"nosuch\", \"port\": 1, \"avail\": 1}]}",
         "links[0].node: no node described \"nosuch\""},
        {"{\"links\": [{\"guid\": \"1234\", \"port\": 1, \"avail\": 1}]}",
         "links[0].guid: \"1234\" is not 0x and hex digits"},
        {"{\"links\": [{\"guid\": \"0x1234\", \"port\": 1, \"avail\": 1}]}",
         "links[0].guid: no node with GUID 0x1234"},
        {"{\"links\": [{\"node\": \"spine01\", \"avail\": 1}]}", "needs \"port\" and \"avail\""},
        {"{\"links\": [{\"node\": \"spine01\", \"port\": 99, \"avail\": 1}]}",
         "links[0]: port 99 out of range (node has 36 ports)"},
        {"{\"links\": [{\"node\": \"spine01\", \"port\": 30, \"avail\": 1}]}",
         "links[0]: port 30 is not cabled"},
        {"{\"links\": [{\"node\": \"spine01\", \"port\": 1, \"avail\": -0.5}]}",
         "links[0]: available fraction -0.5 not in [0, 1]"},
        {"[]", ": $: must be an object"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        double *a;
        ftopo_diag diag = {0};
        assert_int_equal(read_text(x.f, bad[i][0], &a, &diag), FTOPO_ERR_PARSE);
        if (!strstr(diag.message, bad[i][1]) || !strstr(diag.message, "/tmp/test_ftopo_plan_cong."))
            fail_msg("'%s' gave '%s'", bad[i][0], diag.message);
        assert_null(a);
    }
    ftopo_fabric_destroy(x.f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_as_text),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

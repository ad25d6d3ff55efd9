/* ibnetdiscover's text format and ibsim's netfile: real ibnetdiscover output
 * captured from ibsim, GUIDs assigned the way ibsim assigns them, rates,
 * writer round trips, and an error naming file and line for bad input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ftopo.h"

#define DATA TEST_DATA_DIR "/ibnd/"

static ftopo_fabric *read_path(const char *path)
{
    ftopo_fabric *f = NULL;
    ftopo_diag diag = {0};
    ftopo_status st = ftopo_read_file(path, FTOPO_FORMAT_AUTO, &f, &diag);
    if (st != FTOPO_OK)
        fail_msg("%s: %s", path, diag.message);
    return f;
}

static ftopo_status read_text(const char *text, size_t len, ftopo_fabric **f, ftopo_diag *diag)
{
    memset(diag, 0, sizeof(*diag));
    return ftopo_read_buffer(text, len, FTOPO_FORMAT_IBNETDISCOVER, "t.net", f, diag);
}

static ftopo_fabric *read_ok(const char *text)
{
    ftopo_fabric *f = NULL;
    ftopo_diag diag;
    if (read_text(text, strlen(text), &f, &diag) != FTOPO_OK)
        fail_msg("%s", diag.message);
    return f;
}

static char *write_text(const ftopo_fabric *f)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    assert_non_null(out);
    ftopo_diag diag = {0};
    assert_int_equal(ftopo_write_stream(f, out, FTOPO_FORMAT_IBNETDISCOVER, &diag), FTOPO_OK);
    fclose(out);
    return text;
}

static void assert_same(const ftopo_fabric *a, const ftopo_fabric *b)
{
    ftopo_diag diag = {0};
    if (ftopo_fabric_compare(a, b, &diag) != FTOPO_OK)
        fail_msg("fabrics differ: %s", diag.message);
}

static ftopo_node_info node_by_desc(const ftopo_fabric *f, const char *desc)
{
    ftopo_node_id id;
    ftopo_node_info info;
    if (ftopo_find_by_desc(f, desc, &id) != FTOPO_OK)
        fail_msg("no node \"%s\"", desc);
    assert_int_equal(ftopo_node_get(f, id, &info), FTOPO_OK);
    return info;
}

static ftopo_port_info port_of(const ftopo_fabric *f, const char *desc, int port)
{
    ftopo_node_id id;
    ftopo_port_info info;
    assert_int_equal(ftopo_find_by_desc(f, desc, &id), FTOPO_OK);
    assert_int_equal(ftopo_port_get(f, id, port, &info), FTOPO_OK);
    return info;
}

/* A netfile without GUIDs gets ibsim's: switches count from 0x200000 (or
 * switchguid=), CAs from 0x100000 stepping by ports + 1; sysimgguid= holds
 * for the next node only. */
static void netfile_guids_follow_ibsim(void **state)
{
    (void)state;
    ftopo_fabric *f = read_path(DATA "small.net");
    assert_int_equal(ftopo_num_nodes(f), 6);
    assert_int_equal(ftopo_num_links(f), 7);
    assert_true(node_by_desc(f, "leaf01").node_guid == 0x2c90000000100ULL);
    assert_true(node_by_desc(f, "spine01 (MQM8700)").node_guid == 0x2c90000000101ULL);
    ftopo_node_info h1 = node_by_desc(f, "node001 HCA-1"), h2 = node_by_desc(f, "node001 HCA-2");
    ftopo_node_info n2 = node_by_desc(f, "node002 HCA-1"), n3 = node_by_desc(f, "node003 HCA-1");
    assert_true(h1.node_guid == 0x100000 && h2.node_guid == 0x100002);
    assert_true(n2.node_guid == 0x100004 && n3.node_guid == 0x100007);
    assert_true(h1.sysimg_guid == 0xe41d2d0300001000ULL && h2.sysimg_guid == h1.sysimg_guid);
    assert_true(n2.sysimg_guid == n2.node_guid);
    assert_int_equal(h1.host, h2.host);
    assert_true(port_of(f, "node002 HCA-1", 2).port_guid == 0x100006);
    ftopo_fabric_destroy(f);
}

/* Rates from the trailer, from w=/s=/e= options, and FDR10. */
static void rates_from_trailer_and_options(void **state)
{
    (void)state;
    ftopo_fabric *f = read_path(DATA "small.net");
    ftopo_port_info p = port_of(f, "leaf01", 1);
    assert_int_equal(p.width, FTOPO_WIDTH_4X);
    assert_int_equal(p.speed, FTOPO_SPEED_HDR);
    p = port_of(f, "leaf01", 8); /* w=2 s=4 e=4 */
    assert_int_equal(p.width, FTOPO_WIDTH_4X);
    assert_int_equal(p.speed, FTOPO_SPEED_HDR);
    p = port_of(f, "leaf01", 3);
    assert_int_equal(p.speed, FTOPO_SPEED_EDR);
    p = port_of(f, "spine01 (MQM8700)", 3);
    assert_int_equal(p.speed, FTOPO_SPEED_FDR10);
    ftopo_link_info link;
    assert_int_equal(ftopo_link_get(f, p.link, &link), FTOPO_OK);
    assert_true(link.rate_gbps == 40.0);
    ftopo_fabric_destroy(f);
}

/* What ibnetdiscover printed for small.net under ibsim (before and after
 * OpenSM gave out LIDs, grouped by chassis with -g, and with --full) is the
 * same fabric as the netfile. */
static void ibnetdiscover_output_matches_its_netfile(void **state)
{
    (void)state;
    ftopo_fabric *net = read_path(DATA "small.net");
    ftopo_fabric *live = read_path(DATA "small-ibnetdiscover.txt");
    ftopo_fabric *lids = read_path(DATA "small-ibnetdiscover-lids.txt");
    assert_same(net, live);
    assert_same(net, lids);
    static const char *const variants[] = {DATA "small-ibnetdiscover-g.txt",
                                           DATA "small-ibnetdiscover-full.txt"};
    for (size_t i = 0; i < 2; i++) {
        ftopo_fabric *v = read_path(variants[i]);
        assert_same(net, v);
        ftopo_fabric_destroy(v);
    }
    ftopo_node_info leaf = node_by_desc(lids, "leaf01");
    assert_int_equal(leaf.lid, 1);
    assert_int_equal(port_of(lids, "node003 HCA-1", 1).lid, 7);
    ftopo_fabric_destroy(net);
    ftopo_fabric_destroy(live);
    ftopo_fabric_destroy(lids);
}

/* Generated fabrics written by fabtopo, loaded in ibsim and discovered by
 * ibnetdiscover come back identical (GUIDs, descriptions, ports, rates). */
static void generated_fabrics_survive_ibsim(void **state)
{
    (void)state;
    static const struct {
        const char *file;
        ftopo_gen_params params;
    } cases[] = {
        {"gen-ft2-16-hdr-ibnetdiscover.txt",
         {.kind = FTOPO_GEN_FAT_TREE_2,
          .hosts = 16,
          .radix = 8,
          .speed = FTOPO_SPEED_HDR,
          .shuffle_names = true,
          .seed = 7}},
        {"gen-rail-4x2-fdr10-ibnetdiscover.txt",
         {.kind = FTOPO_GEN_RAIL,
          .hosts = 4,
          .hcas_per_host = 2,
          .radix = 8,
          .width = FTOPO_WIDTH_4X,
          .speed = FTOPO_SPEED_FDR10,
          .seed = 1}},
        {"gen-torus-8-1xqdr-ibnetdiscover.txt",
         {.kind = FTOPO_GEN_TORUS_2D,
          .hosts = 8,
          .torus_x = 2,
          .torus_y = 2,
          .radix = 8,
          .width = FTOPO_WIDTH_1X,
          .speed = FTOPO_SPEED_QDR,
          .seed = 1}},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char path[512];
        snprintf(path, sizeof(path), DATA "%s", cases[i].file);
        ftopo_fabric *gen = NULL, *live = read_path(path);
        ftopo_diag diag = {0};
        assert_int_equal(ftopo_generate(&cases[i].params, &gen, &diag), FTOPO_OK);
        assert_same(gen, live);
        ftopo_fabric_destroy(gen);
        ftopo_fabric_destroy(live);
    }
}

/* The writer's text reads back as the same fabric, for files and for every
 * generator kind. */
static void writer_round_trips(void **state)
{
    (void)state;
    ftopo_fabric *orig = read_path(DATA "small.net");
    char *text = write_text(orig);
    ftopo_fabric *back = read_ok(text);
    assert_same(orig, back);
    /* FDR10 needs a Mellanox vendor and device id to show under ibsim. */
    assert_non_null(strstr(text, "vendid=0x2c9\ndevid=0xc738\nsysimgguid=0x2c90000000101\n"));
    assert_non_null(strstr(text, "sysimgguid=0xe41d2d0300001000\ncaguid=0x100000\n"));
    /* Written twice, the text is the same: nothing drifts. */
    char *again = write_text(back);
    assert_string_equal(text, again);
    free(text);
    free(again);
    ftopo_fabric_destroy(orig);
    ftopo_fabric_destroy(back);

    for (int kind = FTOPO_GEN_FAT_TREE_2; kind <= FTOPO_GEN_TORUS_2D; kind++) {
        ftopo_gen_params p = {.kind = (ftopo_gen_kind)kind,
                              .hosts = 24,
                              .radix = 12,
                              .hcas_per_host = kind == FTOPO_GEN_RAIL ? 2 : 1,
                              .degrade_fraction = kind == FTOPO_GEN_FAT_TREE_3 ? 0.2 : 0,
                              .speed = FTOPO_SPEED_NDR};
        ftopo_fabric *g = NULL;
        ftopo_diag diag = {0};
        assert_int_equal(ftopo_generate(&p, &g, &diag), FTOPO_OK);
        text = write_text(g);
        back = read_ok(text);
        assert_same(g, back);
        free(text);
        ftopo_fabric_destroy(g);
        ftopo_fabric_destroy(back);
    }
}

/* ibnetdiscover's other spellings: [ext N] port numbers, routers, Hca,
 * unquoted descriptions, default remote port 1, relative GUID lines, file
 * defaults, CRLF line ends. */
static void other_spellings(void **state)
{
    (void)state;
    const char *text = "# comment\r\n"
                       "switchguid=0x10(10)\r\n"
                       "Switch\t4 \"S-0000000000000010\"\t\t# sw one lid 9 lmc 1\r\n"
                       "[1][ext 1]\t\"R-0000000000000100\"[2]\t\t# \"router\" lid 0 4xEDR\r\n"
                       "[2]\t\"ca\"\t# \"x\" lid 0 12xDDR\r\n"
                       "\r\n"
                       "rtguid=0x100\r\n"
                       "Rt\t2 \"R-0000000000000100\"\t\t# \"router\"\r\n"
                       "[2]\t\"S-0000000000000010\"[1]\t\t# \"sw one\" lid 9 4xEDR\r\n"
                       "\r\n"
                       "caguid=0x200\r\n"
                       "caguid+0x10\r\n"
                       "width=8\r\n"
                       "speed=2\r\n"
                       "Hca 1 \"ca\"\r\n"
                       "[1] \"S-0000000000000010\"[2] # lid 5 lmc 2 \"sw one\" lid 9 12xDDR\r\n";
    ftopo_fabric *f = read_ok(text);
    ftopo_node_info sw = node_by_desc(f, "sw one");
    assert_true(sw.node_guid == 0x10);
    assert_int_equal(sw.lid, 9);
    assert_int_equal(sw.lmc, 1);
    ftopo_node_info rt = node_by_desc(f, "router");
    assert_int_equal(rt.type, FTOPO_NODE_ROUTER);
    assert_true(rt.node_guid == 0x100);
    ftopo_node_info ca = node_by_desc(f, "ca");
    assert_true(ca.node_guid == 0x210);
    ftopo_port_info p = port_of(f, "ca", 1);
    assert_int_equal(p.lid, 5);
    assert_int_equal(p.lmc, 2);
    assert_int_equal(p.width, FTOPO_WIDTH_12X);
    assert_int_equal(p.speed, FTOPO_SPEED_DDR);
    assert_int_equal(port_of(f, "sw one", 1).speed, FTOPO_SPEED_EDR);
    ftopo_fabric_destroy(f);

    /* No trailer: the file's width=/speed= lines, else ibsim's 4x SDR; a
     * link runs at what both ends support. */
    f = read_ok("Switch 4 \"a\"\n[1] \"b\"[1] w=1\n[2] \"b\"[2]\n\n"
                "width=8\nextspeed=4\nSwitch 4 \"b\"\n[1] \"a\"[1]\n[2] \"a\"[2] s=4\n");
    p = port_of(f, "a", 1);
    assert_int_equal(p.width, FTOPO_WIDTH_1X);
    assert_int_equal(p.speed, FTOPO_SPEED_SDR);
    p = port_of(f, "b", 2);
    assert_int_equal(p.width, FTOPO_WIDTH_4X);
    assert_int_equal(p.speed, FTOPO_SPEED_SDR);
    ftopo_fabric_destroy(f);
}

/* Every kind of bad input: a parse error that names the file and line. */
static void errors_name_file_and_line(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        ftopo_status status;
        const char *message;
    } cases[] = {
        {"Switch 8 \"sw1\"\n[1] \"h1", FTOPO_ERR_PARSE,
         "t.net:2: expected a quoted remote node id"},
        {"Switch 8 \"sw1\"\n[1] \"h1\"[1] # lid 0 4xEDR\n", FTOPO_ERR_PARSE,
         "t.net:2: remote node \"h1\" is not in the file"},
        {"Switch 8 \"sw1\" # \"leaf", FTOPO_ERR_PARSE,
         "t.net:1: unterminated quote in the node description"},
        {"\nRouter 2 \"r1\"\n", FTOPO_ERR_PARSE, "t.net:2: unrecognized line"},
        {"Rt 2 \"r1\"\n", FTOPO_ERR_PARSE, "t.net:1: node \"r1\" would get GUID 0"},
        {"switchguid=0x10\nSwitch 8 \"a\"\n\nswitchguid=0x10\nSwitch 8 \"b\"\n",
         FTOPO_ERR_DUPLICATE, "t.net:5: GUID 0x0000000000000010 already used by line 2"},
        {"Switch 8 \"a\"\n\nSwitch 8 \"a\"\n", FTOPO_ERR_DUPLICATE,
         "t.net:3: node id \"a\" already used on line 1"},
        {"Switch 8 \"a\"\n[1] \"b\"[1]\n\nSwitch 8 \"b\"\n[2] \"a\"[1]\n", FTOPO_ERR_PARSE,
         "t.net:2: link to \"b\"[1] is listed on this end only"},
        {"Switch 8 \"a\"\n[1] \"b\"[1]\n\nSwitch 8 \"b\"\n[1] \"a\"[2]\n\nSwitch 8 \"c\"\n",
         FTOPO_ERR_CONFLICT, "t.net:2: \"a\"[1] is cabled to \"b\"[1], but line 5 cables it"},
        {"Switch 8 \"a\"\n[9] \"b\"[1]\n", FTOPO_ERR_PARSE,
         "t.net:2: port 9 out of range (\"a\" has 8 ports)"},
        {"Switch 8 \"a\"\n[1] \"b\"[7]\n\nHca 2 \"b\"\n[1] \"a\"[1]\n", FTOPO_ERR_PARSE,
         "t.net:2: remote port 7 out of range (\"b\" has 2 ports)"},
        {"Switch 8 \"a\"\n[1] \"b\"[1]\n[1] \"b\"[2]\n", FTOPO_ERR_DUPLICATE,
         "t.net:3: port 1 of \"a\" already listed on line 2"},
        {"Switch 0 \"a\"\n", FTOPO_ERR_PARSE, "t.net:1: port count 0 out of range"},
        {"Switch 300 \"a\"\n", FTOPO_ERR_PARSE, "t.net:1: port count 300 out of range"},
        {"Hca 1 \"a\"\n[1] \"b\"[1]\nHca 1 \"b\"\n", FTOPO_ERR_PARSE,
         "t.net:2: link to \"b\"[1] is listed on this end only"},
        {"Switch 8 \"a\"\n[1] \"b\"[1]\nSwitch 8 \"b\"\n", FTOPO_ERR_PARSE,
         "t.net:3: a node record must end with a blank line"},
        {"Switch 8 \"a\"\n[1] \"b\"[1] # lid 1 4xWHAT\n", FTOPO_ERR_PARSE,
         "t.net:2: unknown link rate \"4xWHAT\""},
        {"Switch 8 \"a\"\n[1] \"b\"[1] q=4\n", FTOPO_ERR_PARSE,
         "t.net:2: unexpected text in port line"},
        {"[1] \"b\"[1]\n", FTOPO_ERR_PARSE, "t.net:1: port line outside a node record"},
        {"widthvendid=0x0\n", FTOPO_ERR_PARSE, "t.net:1: width= must enable a width"},
        {"speed=0\n", FTOPO_ERR_PARSE, "t.net:1: speed= must enable a speed"},
        {"Switch 8 \"a\"\n[1] \"b\"[1] w=0\n", FTOPO_ERR_PARSE,
         "t.net:2: bad value for port option w="},
        {"Switch 8 \"a\" # leaf \"01\n", FTOPO_ERR_PARSE,
         "t.net:1: stray quote in the node description"},
        {"include \"other.net\"\n", FTOPO_ERR_PARSE, "t.net:1: ibsim's include/module/do"},
        {"switchguid 12\n", FTOPO_ERR_PARSE, "t.net:1: expected \"=GUID\""},
        {"Switch 8 \"a\"\n[1] \"a\"[1]\n", FTOPO_ERR_PARSE, "t.net:2: port cabled to itself"},
        {"# nothing here\n", FTOPO_ERR_PARSE, "t.net:1: no Switch, Ca or Rt record"},
        {"", FTOPO_ERR_PARSE, "t.net:0: no Switch, Ca or Rt record"},
        {"Switch 8 \"a\"\n\x01\x02garbage\n", FTOPO_ERR_PARSE,
         "t.net:2: control byte 0x01 in column 1"},
        {"\xff\xfe\x80 binary\n", FTOPO_ERR_PARSE, "t.net:1: unrecognized line"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ftopo_fabric *f = (ftopo_fabric *)1;
        ftopo_diag diag;
        ftopo_status st = read_text(cases[i].text, strlen(cases[i].text), &f, &diag);
        if (st != cases[i].status || !strstr(diag.message, cases[i].message))
            fail_msg("case %zu: got %d \"%s\", want %d \"%s\"", i, st, diag.message,
                     cases[i].status, cases[i].message);
        assert_null(f);
    }

    /* A NUL byte, and a line too long to be real. */
    static const char nul[] = "Switch 8 \"a\"\n[1] \"b\0\"[1]\n";
    ftopo_fabric *f;
    ftopo_diag diag;
    assert_int_equal(read_text(nul, sizeof(nul) - 1, &f, &diag), FTOPO_ERR_PARSE);
    assert_non_null(strstr(diag.message, "t.net:2: NUL byte 0x00 in column 7"));
    size_t huge = 1 << 20;
    char *big = malloc(huge);
    assert_non_null(big);
    memcpy(big, "Switch 8 \"a\"\n", 13);
    memset(big + 13, 'x', huge - 13);
    assert_int_equal(read_text(big, huge, &f, &diag), FTOPO_ERR_PARSE);
    assert_non_null(strstr(diag.message, "t.net:2: line longer than 4096 bytes"));
    free(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(netfile_guids_follow_ibsim),
        cmocka_unit_test(rates_from_trailer_and_options),
        cmocka_unit_test(ibnetdiscover_output_matches_its_netfile),
        cmocka_unit_test(generated_fabrics_survive_ibsim),
        cmocka_unit_test(writer_round_trips),
        cmocka_unit_test(other_spellings),
        cmocka_unit_test(errors_name_file_and_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

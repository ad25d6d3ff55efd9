/* The libibnetdisc cache reader: a cache file built here byte by byte (the
 * layout libibnetdisc documents) reads back as the fabric it describes, and
 * any truncation or corruption of it is an error naming the file, never a
 * crash (ibnd_load_fabric itself trusts its input). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>
#include <infiniband/mad.h>

#include "ftopo.h"

#define SMP      64
#define SW_GUID  0x0002c90300000100ULL
#define CA1_GUID 0x0002c90300001000ULL
#define CA2_GUID 0x0002c90300002000ULL

/* libibnetdisc 44 leaks one hash entry per port that shares a LID (every
 * switch port): its bug, fixed upstream ("ibnetdisc: Fix leak in
 * add_to_portlid_hash"). LeakSanitizer reads this hook at exit. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libibnetdisc.so\n";
}

typedef struct buf {
    unsigned char data[8192];
    size_t len;
} buf;

static void put(buf *b, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        b->data[b->len++] = (unsigned char)(v >> (8 * i));
}

static void put_raw(buf *b, const void *p, size_t n)
{
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

static void put_node(buf *b, int type, uint64_t guid, int ports, const char *desc, int first_key,
                     int last_key)
{
    unsigned char zero[SMP] = {0}, info[SMP] = {0}, text[SMP] = {0};
    mad_set_field64(info, 0, IB_NODE_SYSTEM_GUID_F, guid);
    snprintf((char *)text, sizeof(text), "%s", desc);
    put(b, type == 2 ? 7 : 0, 2); /* SMA LID */
    put(b, 0, 1);
    put(b, 0, 1);
    put_raw(b, zero, SMP); /* SwitchInfo */
    put(b, guid, 8);
    put(b, (uint64_t)type, 1);
    put(b, (uint64_t)ports, 1);
    put_raw(b, info, SMP);
    put_raw(b, text, SMP);
    put(b, (uint64_t)(last_key - first_key + 1), 1);
    for (int p = first_key; p <= last_key; p++) {
        put(b, type == 2 ? guid : guid + (uint64_t)p, 8);
        put(b, (uint64_t)p, 1);
    }
}

/* A port whose link is up at 4x with the given base and extended speed. */
static void put_port(buf *b, uint64_t guid, int num, uint64_t node, uint64_t peer, int peer_num,
                     unsigned ext_speed)
{
    unsigned char info[SMP] = {0};
    mad_set_field(info, 0, IB_PORT_STATE_F, 4);
    mad_set_field(info, 0, IB_PORT_PHYS_STATE_F, peer ? 5 : 2);
    mad_set_field(info, 0, IB_PORT_LINK_WIDTH_ACTIVE_F, 2);
    mad_set_field(info, 0, IB_PORT_LINK_SPEED_ACTIVE_F, 4);
    mad_set_field(info, 0, IB_PORT_CAPMASK_F, 0x4000); /* has extended speeds */
    mad_set_field(info, 0, IB_PORT_LINK_SPEED_EXT_ACTIVE_F, ext_speed);
    put(b, guid, 8);
    put(b, (uint64_t)num, 1);
    put(b, 0, 1);
    put(b, guid == node ? 7 : 10 + (uint64_t)num, 2);
    put(b, 0, 1);
    put_raw(b, info, SMP);
    put(b, node, 8);
    put(b, peer ? 1 : 0, 1);
    put(b, peer, 8);
    put(b, (uint64_t)peer_num, 1);
}

/* A 4-port switch with an EDR link to CA 1 (port 1) and a QDR link to CA 2
 * (port 2); ports 3 and 4 are down. */
static void build_cache(buf *b)
{
    b->len = 0;
    put(b, 0x8FE7832B, 4);
    put(b, 1, 4);
    put(b, 3, 4); /* nodes */
    put(b, 7, 4); /* ports: switch 0..4, one per CA */
    put(b, SW_GUID, 8);
    put(b, 1, 4);
    put_node(b, 2, SW_GUID, 4, "leaf01", 0, 4);
    put_node(b, 1, CA1_GUID, 1, "node001 HCA-1", 1, 1);
    put_node(b, 1, CA2_GUID, 1, "node002 HCA-1", 1, 1);
    put_port(b, SW_GUID, 0, SW_GUID, 0, 0, 0);
    put_port(b, SW_GUID, 1, SW_GUID, CA1_GUID + 1, 1, 2);
    put_port(b, SW_GUID, 2, SW_GUID, CA2_GUID + 1, 1, 0);
    put_port(b, SW_GUID, 3, SW_GUID, 0, 0, 0);
    put_port(b, SW_GUID, 4, SW_GUID, 0, 0, 0);
    put_port(b, CA1_GUID + 1, 1, CA1_GUID, SW_GUID, 1, 2);
    put_port(b, CA2_GUID + 1, 1, CA2_GUID, SW_GUID, 2, 0);
}

/* The file lives in memory (a memfd reached through /proc/self/fd), so the
 * thousands of variants below never touch a disk. */
typedef struct fixture {
    int fd;
    char path[64];
    buf b;
} fixture;

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof(*fx));
    assert_non_null(fx);
    fx->fd = memfd_create("test_ftopo_cache", 0);
    assert_true(fx->fd >= 0);
    snprintf(fx->path, sizeof(fx->path), "/proc/self/fd/%d", fx->fd);
    build_cache(&fx->b);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    close(fx->fd);
    free(fx);
    return 0;
}

static void write_bytes(fixture *fx, const unsigned char *data, size_t len)
{
    assert_int_equal(ftruncate(fx->fd, 0), 0);
    assert_int_equal(pwrite(fx->fd, data, len, 0), (ssize_t)len);
}

static void test_reads_the_fabric(void **state)
{
    fixture *fx = *state;
    write_bytes(fx, fx->b.data, fx->b.len);
    ftopo_fabric *f = NULL;
    ftopo_diag diag = {0};
    /* Recognised by its magic, whatever the file is called. */
    assert_int_equal(ftopo_read_file(fx->path, FTOPO_FORMAT_AUTO, &f, &diag), FTOPO_OK);
    assert_int_equal(ftopo_num_nodes(f), 3);
    assert_int_equal(ftopo_num_links(f), 2);

    ftopo_node_id sw, ca1;
    assert_int_equal(ftopo_find_by_guid(f, SW_GUID, &sw), FTOPO_OK);
    assert_int_equal(ftopo_find_by_guid(f, CA1_GUID, &ca1), FTOPO_OK);
    ftopo_node_info info;
    assert_int_equal(ftopo_node_get(f, sw, &info), FTOPO_OK);
    assert_int_equal(info.type, FTOPO_NODE_SWITCH);
    assert_int_equal(info.num_ports, 4);
    assert_int_equal(info.lid, 7);
    assert_string_equal(info.desc, "leaf01");

    ftopo_port_info port;
    assert_int_equal(ftopo_port_get(f, sw, 1, &port), FTOPO_OK);
    assert_int_equal(port.peer_node, ca1);
    ftopo_link_info link;
    assert_int_equal(ftopo_link_get(f, port.link, &link), FTOPO_OK);
    assert_int_equal(link.width, FTOPO_WIDTH_4X);
    assert_int_equal(link.speed, FTOPO_SPEED_EDR);
    assert_true(link.rate_gbps == 100.0);
    assert_int_equal(ftopo_port_get(f, sw, 2, &port), FTOPO_OK);
    assert_int_equal(ftopo_link_get(f, port.link, &link), FTOPO_OK);
    assert_int_equal(link.speed, FTOPO_SPEED_QDR);
    /* A port whose link is down has no active width or speed. */
    assert_int_equal(ftopo_port_get(f, sw, 3, &port), FTOPO_OK);
    assert_int_equal(port.peer_node, FTOPO_NONE);
    assert_int_equal(port.width, FTOPO_WIDTH_UNKNOWN);

    assert_int_equal(ftopo_port_get(f, ca1, 1, &port), FTOPO_OK);
    assert_int_equal(port.lid, 11);
    assert_true(port.port_guid == CA1_GUID + 1);
    ftopo_fabric_destroy(f);
}

static ftopo_status read_cache(const char *path, ftopo_diag *diag)
{
    ftopo_fabric *f = NULL;
    ftopo_status st = ftopo_read_file(path, FTOPO_FORMAT_IBND_CACHE, &f, diag);
    if (st == FTOPO_OK)
        assert_non_null(f);
    else
        assert_null(f);
    ftopo_fabric_destroy(f);
    return st;
}

static void test_every_truncation_is_an_error(void **state)
{
    fixture *fx = *state;
    for (size_t len = 0; len < fx->b.len; len++) {
        write_bytes(fx, fx->b.data, len);
        ftopo_diag diag = {0};
        assert_int_equal(read_cache(fx->path, &diag), FTOPO_ERR_PARSE);
        assert_non_null(strstr(diag.message, fx->path));
    }
}

/* Every byte replaced by a few values: the reader may accept the file (a
 * changed LID or description is still a fabric) but must never crash or
 * leak, and an error always names the file. */
static void test_corruption_never_crashes(void **state)
{
    fixture *fx = *state;
    static const unsigned char values[] = {0x00, 0x01, 0x09, 0xff};
    buf *b = &fx->b;
    for (size_t at = 0; at < b->len; at++) {
        for (size_t v = 0; v < sizeof(values); v++) {
            unsigned char saved = b->data[at];
            if (saved == values[v])
                continue;
            b->data[at] = values[v];
            write_bytes(fx, b->data, b->len);
            b->data[at] = saved;
            ftopo_diag diag = {0};
            if (read_cache(fx->path, &diag) != FTOPO_OK)
                assert_non_null(strstr(diag.message, fx->path));
        }
    }
}

static void test_port_out_of_range(void **state)
{
    fixture *fx = *state;
    /* The first CA lists its port as number 9 (it has one port). */
    size_t key = 28 + (15 + 3 * SMP) + 5 * 9 + (15 + 3 * SMP);
    buf copy = fx->b;
    copy.data[key + 8] = 9;
    write_bytes(fx, copy.data, copy.len);
    ftopo_diag diag = {0};
    assert_int_equal(read_cache(fx->path, &diag), FTOPO_ERR_PARSE);
    assert_non_null(strstr(diag.message, "port 9 out of range"));
}

static void test_missing_file(void **state)
{
    (void)state;
    ftopo_diag diag = {0};
    assert_int_equal(read_cache("/nonexistent/fabric.cache", &diag), FTOPO_ERR_IO);
    assert_non_null(strstr(diag.message, "/nonexistent/fabric.cache"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_reads_the_fabric, setup, teardown),
        cmocka_unit_test_setup_teardown(test_every_truncation_is_an_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corruption_never_crashes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_port_out_of_range, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_file, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* The probe request format rejects what is malformed; rounds pair every
 * host with every other once, no host twice in a step; HOST[:PORT]. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "net.h"
#include "proto.h"
#include "schedule.h"

static const struct fprobe_req good = {
    .kind = FPROBE_TCP_BW, .size = 4096, .duration_ms = 100, .iters = 10};

static int decode(const unsigned char *buf)
{
    struct fprobe_req req;
    char err[160];
    return fprobe_req_decode(&req, buf, err, sizeof(err));
}

static void test_roundtrip(void **state)
{
    (void)state;
    struct fprobe_req in = good, out;
    in.kind = FPROBE_RELAY;
    in.relay_kind = FPROBE_IB_BW;
    strcpy(in.target, "10.0.0.2:18515");
    unsigned char buf[FPROBE_REQ_BYTES];
    char err[160];
    fprobe_req_encode(&in, buf);
    assert_int_equal(fprobe_req_decode(&out, buf, err, sizeof(err)), 0);
    assert_memory_equal(&in, &out, sizeof(in));

    struct fprobe_result r = {.status = 0, .bytes = 1ull << 40, .ns = 5, .lat_p50_ns = 7}, r2;
    unsigned char rb[FPROBE_RES_BYTES];
    fprobe_res_encode(&r, rb);
    assert_int_equal(fprobe_res_decode(&r2, rb), 0);
    assert_memory_equal(&r, &r2, sizeof(r));
}

/* Each field out of range, one at a time, and bytes that are no request. */
static void test_malformed(void **state)
{
    (void)state;
    struct fprobe_req bad[] = {good, good, good, good, good, good, good, good};
    bad[0].kind = 0;
    bad[1].kind = 99;
    bad[2].size = 0;
    bad[3].size = FPROBE_MAX_SIZE + 1;
    bad[4].duration_ms = 0;
    bad[5].duration_ms = FPROBE_MAX_DURATION + 1;
    bad[6].iters = 0;
    bad[7].kind = FPROBE_RELAY; /* no target, no relayed kind */
    unsigned char buf[FPROBE_REQ_BYTES];
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        fprobe_req_encode(&bad[i], buf);
        assert_int_equal(decode(buf), -1);
    }
    fprobe_req_encode(&good, buf);
    assert_int_equal(decode(buf), 0);
    buf[0] ^= 1; /* magic */
    assert_int_equal(decode(buf), -1);
    fprobe_req_encode(&good, buf);
    buf[7] = 2; /* version */
    assert_int_equal(decode(buf), -1);
    fprobe_req_encode(&good, buf);
    memset(buf + 28, 'x', FPROBE_TARGET_LEN); /* unterminated target */
    assert_int_equal(decode(buf), -1);
    memset(buf, 'G', sizeof(buf)); /* "GET / HTTP/1.1" and the like */
    assert_int_equal(decode(buf), -1);
}

static void test_schedule(void **state)
{
    (void)state;
    for (size_t n = 2; n <= 33; n++) {
        size_t pairs[17][2], seen[33][33] = {{0}}, total = 0;
        for (size_t s = 0; s < fprobe_schedule_steps(n); s++) {
            size_t busy[33] = {0};
            size_t k = fprobe_schedule_step(n, s, pairs);
            assert_int_equal(k, n / 2);
            for (size_t i = 0; i < k; i++) {
                size_t a = pairs[i][0], b = pairs[i][1];
                assert_true(a < b && b < n);
                assert_int_equal(busy[a]++ + busy[b]++, 0);
                seen[a][b]++;
                total++;
            }
        }
        assert_int_equal(total, n * (n - 1) / 2);
        for (size_t a = 0; a < n; a++)
            for (size_t b = a + 1; b < n; b++)
                assert_int_equal(seen[a][b], 1);
    }
    assert_int_equal(fprobe_schedule_steps(1), 0);
}

static void test_hostport(void **state)
{
    (void)state;
    char host[64];
    int port;
    assert_int_equal(fprobe_split_hostport("h1", host, sizeof(host), &port), 0);
    assert_string_equal(host, "h1");
    assert_int_equal(port, FPROBE_DEFAULT_PORT);
    assert_int_equal(fprobe_split_hostport("10.0.0.1:9", host, sizeof(host), &port), 0);
    assert_string_equal(host, "10.0.0.1");
    assert_int_equal(port, 9);
    assert_int_equal(fprobe_split_hostport("[fe80::1]:80", host, sizeof(host), &port), 0);
    assert_string_equal(host, "fe80::1");
    assert_int_equal(port, 80);
    assert_int_equal(fprobe_split_hostport("h:0", host, sizeof(host), &port), -1);
    assert_int_equal(fprobe_split_hostport("h:99999", host, sizeof(host), &port), -1);
    assert_int_equal(fprobe_split_hostport("h:x", host, sizeof(host), &port), -1);
    assert_int_equal(fprobe_split_hostport("[::1", host, sizeof(host), &port), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_schedule),
        cmocka_unit_test(test_hostport),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

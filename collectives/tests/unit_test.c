/* cmocka unit tests: status strings, type tables, fp16/bf16 rounding, the
 * reduction kernels, FCOLL_SOCKET_IFNAME matching, and argument checking
 * of every entry point on a one-rank communicator. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "half.h"
#include "internal.h"
#include "sock.h"

static void test_strerror(void **state)
{
    (void)state;
    static const fcoll_status_t all[] = {
        FCOLL_OK,
        FCOLL_ERR_INVALID_ARG,
        FCOLL_ERR_NULL_POINTER,
        FCOLL_ERR_INVALID_DTYPE,
        FCOLL_ERR_INVALID_OP,
        FCOLL_ERR_INVALID_RANK,
        FCOLL_ERR_COUNT_OVERFLOW,
        FCOLL_ERR_INVALID_USAGE,
        FCOLL_ERR_SYSTEM,
        FCOLL_ERR_NO_MEMORY,
        FCOLL_ERR_REMOTE,
        FCOLL_ERR_PEER_CLOSED,
        FCOLL_ERR_PROTOCOL,
        FCOLL_ERR_ABORTED,
        FCOLL_ERR_COMM_FAILED,
        FCOLL_ERR_TIMEOUT,
        FCOLL_ERR_UNSUPPORTED,
    };
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        assert_non_null(fcoll_strerror(all[i]));
        assert_string_not_equal(fcoll_strerror(all[i]), "unknown status");
    }
    assert_string_equal(fcoll_strerror((fcoll_status_t)-999), "unknown status");
    assert_int_equal(FCOLL_ERR_GROUP(FCOLL_ERR_COUNT_OVERFLOW), FCOLL_ERR_INVALID_ARG);
    assert_int_equal(FCOLL_ERR_GROUP(FCOLL_ERR_PEER_CLOSED), FCOLL_ERR_REMOTE);
    assert_int_equal(fcoll_version(), FCOLL_VERSION_CODE);
}

static void test_tables(void **state)
{
    (void)state;
    static const size_t sizes[FCOLL_NUM_DTYPES] = {1, 1, 4, 4, 8, 8, 2, 2, 4, 8};
    for (int d = 0; d < FCOLL_NUM_DTYPES; d++) {
        assert_int_equal(fcoll_dtype_size((fcoll_dtype_t)d), sizes[d]);
        assert_non_null(fcoll_dtype_name((fcoll_dtype_t)d));
    }
    assert_int_equal(fcoll_dtype_size((fcoll_dtype_t)FCOLL_NUM_DTYPES), 0);
    assert_null(fcoll_dtype_name((fcoll_dtype_t)-1));
    assert_string_equal(fcoll_op_name(FCOLL_AVG), "avg");
    assert_null(fcoll_op_name((fcoll_op_t)FCOLL_NUM_OPS));
}

static void test_half_rounding(void **state)
{
    (void)state;
    assert_int_equal(fcoll__float_to_half(1.0f), 0x3c00);
    assert_int_equal(fcoll__float_to_half(-2.0f), 0xc000);
    assert_int_equal(fcoll__float_to_half(65504.0f), 0x7bff);
    assert_int_equal(fcoll__float_to_half(65519.0f), 0x7bff);
    assert_int_equal(fcoll__float_to_half(65520.0f), 0x7c00);            /* ties to even: inf */
    assert_int_equal(fcoll__float_to_half(1.0f + 0x1p-11f), 0x3c00);     /* tie, even below */
    assert_int_equal(fcoll__float_to_half(1.0f + 3 * 0x1p-11f), 0x3c02); /* tie, even above */
    assert_int_equal(fcoll__float_to_half(1.0f + 0x1p-11f + 0x1p-20f), 0x3c01);
    assert_int_equal(fcoll__float_to_half(0x1p-24f), 0x0001);     /* smallest subnormal */
    assert_int_equal(fcoll__float_to_half(0x1p-25f), 0x0000);     /* tie to even: zero */
    assert_int_equal(fcoll__float_to_half(3 * 0x1p-25f), 0x0002); /* tie to even: 2 */
    assert_int_equal(fcoll__float_to_half(-0.0f), 0x8000);
    assert_int_equal(fcoll__float_to_half(INFINITY), 0x7c00);
    assert_int_equal(fcoll__float_to_half(NAN) & 0x7e00, 0x7e00);
    /* Every half converts to float and back unchanged (nan stays nan). */
    for (uint32_t h = 0; h < 0x10000; h++) {
        float f = fcoll__half_to_float((uint16_t)h);
        if ((h & 0x7c00) == 0x7c00 && (h & 0x3ff))
            assert_true(isnan(f));
        else
            assert_int_equal(fcoll__float_to_half(f), h);
    }
    assert_true(fcoll__half_to_float(0x0001) == 0x1p-24f);
    assert_true(fcoll__half_to_float(0x7bff) == 65504.0f);
}

static void test_bf16_rounding(void **state)
{
    (void)state;
    assert_int_equal(fcoll__float_to_bf16(1.0f), 0x3f80);
    assert_int_equal(fcoll__float_to_bf16(1.0f + 0x1p-8f), 0x3f80);     /* tie, even below */
    assert_int_equal(fcoll__float_to_bf16(1.0f + 3 * 0x1p-8f), 0x3f82); /* tie, even above */
    assert_int_equal(fcoll__float_to_bf16(1.0f + 0x1p-8f + 0x1p-20f), 0x3f81);
    assert_int_equal(fcoll__float_to_bf16(INFINITY), 0x7f80);
    assert_true((fcoll__float_to_bf16(NAN) & 0x7fc0) == 0x7fc0);
    assert_true(fcoll__bf16_to_float(0x3f80) == 1.0f);
}

static void test_kernels(void **state)
{
    (void)state;
    int32_t a[37], b[37], d[37];
    for (int i = 0; i < 37; i++) {
        a[i] = INT32_MAX - i;
        b[i] = i + 1;
    }
    fcoll__reduce_kernel(FCOLL_INT32, FCOLL_SUM)(d, a, b, 37);
    assert_int_equal(d[0], INT32_MIN); /* wraps */
    fcoll__reduce_kernel(FCOLL_INT32, FCOLL_MIN)(d, a, b, 37);
    assert_int_equal(d[36], 37);
    uint16_t x[9], y[9], z[9];
    for (int i = 0; i < 9; i++) {
        x[i] = fcoll__float_to_half(1.0f);
        y[i] = fcoll__float_to_half(0x1p-11f); /* 1 + 2^-11 rounds back to 1 */
    }
    fcoll__reduce_kernel(FCOLL_FLOAT16, FCOLL_SUM)(z, x, y, 9);
    assert_int_equal(z[8], 0x3c00);
    fcoll__reduce_kernel(FCOLL_BFLOAT16, FCOLL_PROD)(z, x, x, 9);
    assert_null(fcoll__reduce_kernel((fcoll_dtype_t)42, FCOLL_SUM));
    int8_t v[3] = {-7, 7, 100};
    fcoll__avg_finish(v, 3, FCOLL_INT8, 2);
    assert_int_equal(v[0], -3); /* truncates toward zero */
    assert_int_equal(v[2], 50);
}

static void test_ifname(void **state)
{
    (void)state;
    assert_true(fcoll__ifname_match("eth", "eth0"));
    assert_false(fcoll__ifname_match("eth", "ib0"));
    assert_true(fcoll__ifname_match("ib,eth", "eth1"));
    assert_false(fcoll__ifname_match("^docker,lo", "docker0"));
    assert_true(fcoll__ifname_match("^docker,lo", "eth0"));
    assert_true(fcoll__ifname_match("=eth0", "eth0"));
    assert_false(fcoll__ifname_match("=eth0", "eth01"));
    assert_false(fcoll__ifname_match("^=eth0", "eth0"));
    assert_true(fcoll__ifname_match("^=eth0", "eth01"));
}

static int setup_comm(void **state)
{
    fcoll_unique_id_t id;
    fcoll_comm_t *comm = NULL;
    if (fcoll_get_unique_id(&id) != FCOLL_OK)
        return -1;
    if (fcoll_comm_init_rank(&comm, 1, id, 0) != FCOLL_OK)
        return -1;
    *state = comm;
    return 0;
}

static int teardown_comm(void **state)
{
    return fcoll_comm_destroy(*state);
}

static void test_bad_args(void **state)
{
    fcoll_comm_t *c = *state;
    int buf[4] = {1, 2, 3, 4}, out[4];
    fcoll_request_t *req = NULL;
    /* null pointers */
    assert_int_equal(fcoll_allreduce(NULL, out, 4, FCOLL_INT32, FCOLL_SUM, c),
                     FCOLL_ERR_NULL_POINTER);
    assert_int_equal(fcoll_allreduce(buf, NULL, 4, FCOLL_INT32, FCOLL_SUM, c),
                     FCOLL_ERR_NULL_POINTER);
    assert_int_equal(fcoll_allreduce(buf, out, 4, FCOLL_INT32, FCOLL_SUM, NULL),
                     FCOLL_ERR_NULL_POINTER);
    assert_int_equal(fcoll_broadcast(NULL, out, 4, FCOLL_INT32, 0, c), FCOLL_ERR_NULL_POINTER);
    assert_int_equal(fcoll_iallreduce(buf, out, 4, FCOLL_INT32, FCOLL_SUM, c, NULL),
                     FCOLL_ERR_NULL_POINTER);
    assert_int_equal(fcoll_wait(NULL), FCOLL_ERR_NULL_POINTER);
    assert_int_equal(fcoll_test(&req, NULL), FCOLL_ERR_NULL_POINTER);
    /* zero counts need no buffers */
    assert_int_equal(fcoll_allreduce(NULL, NULL, 0, FCOLL_INT32, FCOLL_SUM, c), FCOLL_OK);
    /* count overflow */
    assert_int_equal(fcoll_allreduce(buf, out, SIZE_MAX / 2, FCOLL_INT32, FCOLL_SUM, c),
                     FCOLL_ERR_COUNT_OVERFLOW);
    assert_int_equal(fcoll_allgather(buf, out, (size_t)PTRDIFF_MAX + 1, FCOLL_UINT8, c),
                     FCOLL_ERR_COUNT_OVERFLOW);
    /* unknown type and op */
    assert_int_equal(fcoll_allreduce(buf, out, 4, (fcoll_dtype_t)99, FCOLL_SUM, c),
                     FCOLL_ERR_INVALID_DTYPE);
    assert_int_equal(fcoll_allreduce(buf, out, 4, (fcoll_dtype_t)-1, FCOLL_SUM, c),
                     FCOLL_ERR_INVALID_DTYPE);
    assert_int_equal(fcoll_allreduce(buf, out, 4, FCOLL_INT32, (fcoll_op_t)99, c),
                     FCOLL_ERR_INVALID_OP);
    assert_int_equal(fcoll_reduce_scatter(buf, out, 1, FCOLL_INT32, (fcoll_op_t)-3, c),
                     FCOLL_ERR_INVALID_OP);
    /* ranks out of range */
    assert_int_equal(fcoll_broadcast(buf, out, 4, FCOLL_INT32, 1, c), FCOLL_ERR_INVALID_RANK);
    assert_int_equal(fcoll_reduce(buf, out, 4, FCOLL_INT32, FCOLL_SUM, -1, c),
                     FCOLL_ERR_INVALID_RANK);
    assert_int_equal(fcoll_send(buf, 4, FCOLL_INT32, 1, c), FCOLL_ERR_INVALID_RANK);
    assert_int_equal(fcoll_recv(out, 4, FCOLL_INT32, 0, c), FCOLL_ERR_INVALID_RANK);
    assert_int_equal(fcoll_isend(buf, 4, FCOLL_INT32, 7, c, &req), FCOLL_ERR_INVALID_RANK);
    assert_null(req);
    /* group misuse */
    assert_int_equal(fcoll_group_end(c), FCOLL_ERR_INVALID_USAGE);
    assert_int_equal(fcoll_group_start(c), FCOLL_OK);
    assert_int_equal(fcoll_group_start(c), FCOLL_ERR_INVALID_USAGE);
    assert_int_equal(fcoll_allreduce(buf, out, 4, FCOLL_INT32, FCOLL_SUM, c),
                     FCOLL_ERR_INVALID_USAGE);
    assert_int_equal(fcoll_group_end(c), FCOLL_OK);
    /* the communicator is still fine after all that */
    assert_int_equal(fcoll_allreduce(buf, out, 4, FCOLL_INT32, FCOLL_SUM, c), FCOLL_OK);
    assert_memory_equal(buf, out, sizeof(buf));
    fcoll_status_t err;
    assert_int_equal(fcoll_comm_get_async_error(c, &err), FCOLL_OK);
    assert_int_equal(err, FCOLL_OK);
}

static void test_one_rank_ops(void **state)
{
    fcoll_comm_t *c = *state;
    double in[5] = {1, 2, 3, 4, 5}, out[5] = {0};
    fcoll_request_t *req;
    assert_int_equal(fcoll_iallreduce(in, out, 5, FCOLL_FLOAT64, FCOLL_AVG, c, &req), FCOLL_OK);
    assert_int_equal(fcoll_wait(&req), FCOLL_OK);
    assert_null(req);
    assert_memory_equal(in, out, sizeof(in));
    assert_int_equal(fcoll_barrier(c), FCOLL_OK);
    int rank = -1, size = -1;
    assert_int_equal(fcoll_comm_rank(c, &rank), FCOLL_OK);
    assert_int_equal(fcoll_comm_size(c, &size), FCOLL_OK);
    assert_int_equal(rank, 0);
    assert_int_equal(size, 1);
    assert_string_equal(fcoll_comm_transport_name(c, 0), "self");
    assert_null(fcoll_comm_transport_name(c, 1));
}

typedef struct logged {
    int calls;
    fcoll_log_level_t level;
    char msg[256];
} logged_t;

static void capture(void *user, fcoll_log_level_t level, const char *msg)
{
    logged_t *l = user;
    l->calls++;
    l->level = level;
    snprintf(l->msg, sizeof(l->msg), "%s", msg);
}

/* Messages to oneself: only in a group, paired in order by size. */
static void test_send_to_self(void **state)
{
    fcoll_comm_t *c = *state;
    int32_t a[4] = {1, 2, 3, 4}, b[4] = {5, 6, 7, 8}, got[8] = {0};
    assert_int_equal(fcoll_send(a, 4, FCOLL_INT32, 0, c), FCOLL_ERR_INVALID_RANK);
    assert_int_equal(fcoll_recv(got, 4, FCOLL_INT32, 0, c), FCOLL_ERR_INVALID_RANK);
    assert_int_equal(fcoll_group_start(c), FCOLL_OK);
    assert_int_equal(fcoll_recv(got, 4, FCOLL_INT32, 0, c), FCOLL_OK);
    assert_int_equal(fcoll_send(a, 4, FCOLL_INT32, 0, c), FCOLL_OK);
    assert_int_equal(fcoll_send(b, 4, FCOLL_INT32, 0, c), FCOLL_OK);
    assert_int_equal(fcoll_recv(got + 4, 4, FCOLL_INT32, 0, c), FCOLL_OK);
    assert_int_equal(fcoll_group_end(c), FCOLL_OK);
    assert_memory_equal(got, a, sizeof(a));
    assert_memory_equal(got + 4, b, sizeof(b));

    /* A send without its receive fails the communicator (peers may wait on
     * the rest of the group) instead of being dropped. */
    assert_int_equal(fcoll_group_start(c), FCOLL_OK);
    assert_int_equal(fcoll_send(a, 4, FCOLL_INT32, 0, c), FCOLL_OK);
    assert_int_equal(fcoll_recv(got, 3, FCOLL_INT32, 0, c), FCOLL_OK);
    assert_int_equal(fcoll_group_end(c), FCOLL_ERR_INVALID_USAGE);
    assert_int_equal(fcoll_barrier(c), FCOLL_ERR_COMM_FAILED);
}

static void test_bad_init(void **state)
{
    (void)state;
    fcoll_unique_id_t id;
    memset(&id, 0, sizeof(id));
    fcoll_comm_t *c = (fcoll_comm_t *)&id;
    assert_int_equal(fcoll_comm_init_rank(&c, 2, id, 0), FCOLL_ERR_INVALID_ARG);
    assert_null(c);
    assert_int_equal(fcoll_get_unique_id(&id), FCOLL_OK);
    assert_int_equal(fcoll_comm_init_rank(&c, 2, id, 2), FCOLL_ERR_INVALID_RANK);
    assert_int_equal(fcoll_comm_init_rank(NULL, 2, id, 0), FCOLL_ERR_NULL_POINTER);
    assert_int_equal(fcoll_get_unique_id(NULL), FCOLL_ERR_NULL_POINTER);
    /* no launcher variables at all */
    unsetenv("RANK");
    unsetenv("OMPI_COMM_WORLD_RANK");
    unsetenv("PMI_RANK");
    unsetenv("SLURM_PROCID");
    fcoll_config_t cfg;
    fcoll_config_init(&cfg);
    cfg.log_fn = NULL;
    cfg.log_level = FCOLL_LOG_ERROR;
    assert_int_equal(fcoll_comm_init_env(&c, &cfg), FCOLL_ERR_INVALID_ARG);
    /* unknown algorithm or transport names, reported through the callback */
    logged_t log = {0};
    cfg.log_fn = capture;
    cfg.log_user = &log;
    cfg.algo = "bogus";
    assert_int_equal(fcoll_comm_init_rank_config(&c, 1, id, 0, &cfg), FCOLL_ERR_INVALID_ARG);
    assert_null(c);
    assert_int_equal(log.calls, 1);
    assert_int_equal(log.level, FCOLL_LOG_ERROR);
    assert_non_null(strstr(log.msg, "bogus"));
    cfg.algo = NULL;
    cfg.transport = "carrier-pigeon";
    assert_int_equal(fcoll_comm_init_rank_config(&c, 1, id, 0, &cfg), FCOLL_ERR_INVALID_ARG);
    assert_null(c);
    /* a config from another version */
    cfg.transport = NULL;
    cfg.size = 3;
    assert_int_equal(fcoll_comm_init_rank_config(&c, 1, id, 0, &cfg), FCOLL_ERR_INVALID_ARG);
    assert_int_equal(fcoll_comm_destroy(NULL), FCOLL_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strerror),
        cmocka_unit_test(test_tables),
        cmocka_unit_test(test_half_rounding),
        cmocka_unit_test(test_bf16_rounding),
        cmocka_unit_test(test_kernels),
        cmocka_unit_test(test_ifname),
        cmocka_unit_test(test_bad_init),
        cmocka_unit_test_setup_teardown(test_bad_args, setup_comm, teardown_comm),
        cmocka_unit_test_setup_teardown(test_one_rank_ops, setup_comm, teardown_comm),
        cmocka_unit_test_setup_teardown(test_send_to_self, setup_comm, teardown_comm),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

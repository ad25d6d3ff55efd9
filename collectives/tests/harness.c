/* Test harness; see harness.h. */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

static int child(int rank, int n, int rfd, int wfd, harness_fn fn, void *arg)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    fcoll_unique_id_t id;
    if (rank == 0) {
        fcoll_status_t st = fcoll_get_unique_id(&id);
        if (st != FCOLL_OK) {
            fprintf(stderr, "rank 0: fcoll_get_unique_id: %s\n", fcoll_strerror(st));
            return 2;
        }
        for (int i = 1; i < n; i++)
            if (write(wfd, &id, sizeof(id)) != (ssize_t)sizeof(id))
                return 2;
    } else if (read(rfd, &id, sizeof(id)) != (ssize_t)sizeof(id)) {
        return 2;
    }
    close(rfd);
    close(wfd);
    return fn(rank, n, id, arg);
}

double harness_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void kill_all(harness_t *h, const int *alive)
{
    for (int r = 0; r < h->nranks; r++)
        if (alive[r])
            kill(h->pids[r], SIGKILL);
}

int harness_run(harness_t *h, harness_fn fn, void *arg)
{
    int fds[2];
    if (h->nranks < 1 || h->nranks > 64 || pipe(fds) != 0)
        return -1;
    fflush(NULL);
    int alive[64] = {0}, left = 0, failed = 0;
    for (int r = 0; r < h->nranks; r++) {
        pid_t pid = fork();
        if (pid == 0)
            exit(child(r, h->nranks, fds[0], fds[1], fn, arg)); /* exit: leak checks run */
        if (pid < 0) {
            perror("fork");
            kill_all(h, alive);
            failed = 1;
            break;
        }
        h->pids[r] = pid;
        alive[r] = 1;
        left++;
    }
    close(fds[0]);
    close(fds[1]);
    if (!failed && h->on_started)
        h->on_started(h, arg);
    double deadline = harness_now_s() + h->timeout_s;
    while (left > 0) {
        int status;
        pid_t pid = waitpid(-1, &status, WNOHANG);
        if (pid < 0 && errno != EINTR)
            break;
        if (pid <= 0) {
            if (harness_now_s() > deadline) {
                fprintf(stderr, "harness: ranks still running after %d s, killing them\n",
                        h->timeout_s);
                kill_all(h, alive);
                failed = 1;
                deadline = harness_now_s() + 3600;
            }
            usleep(2000);
            continue;
        }
        for (int r = 0; r < h->nranks; r++) {
            if (h->pids[r] != pid || !alive[r])
                continue;
            alive[r] = 0;
            left--;
            h->status[r] = status;
            if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                if (!failed && !h->keep_going)
                    fprintf(stderr, "harness: rank %d failed (%s %d); stopping the others\n", r,
                            WIFEXITED(status) ? "exit" : "signal",
                            WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
                failed = 1;
                if (!h->keep_going)
                    kill_all(h, alive);
            }
        }
    }
    return failed;
}

/* ---- reference data ---- */

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    return x ^ (x >> 33);
}

static uint64_t raw(int rank, size_t i, uint64_t seed)
{
    return mix(seed * 0x9e3779b97f4a7c15ull + (uint64_t)rank * 0x100000001b3ull + i);
}

/* Floating inputs: quarters in [-2, 2] (sums stay exact in every type),
 * powers of two for products (products stay exact). */
static double fp_value(fcoll_op_t op, uint64_t r)
{
    static const double prod_vals[] = {-2, -1, -0.5, 0.5, 1, 2};
    if (op == FCOLL_PROD)
        return prod_vals[r % 6];
    return (double)((int)(r % 17) - 8) / 4.0;
}

/* Exact encodings of values with few mantissa bits (no rounding needed). */
static uint16_t enc_half(double v)
{
    if (v == 0)
        return 0;
    uint16_t sign = v < 0 ? 0x8000 : 0;
    int e;
    double m = frexp(fabs(v), &e); /* v = m * 2^e, m in [0.5, 1) */
    return (uint16_t)(sign | (uint16_t)((e - 1 + 15) << 10) | (uint16_t)((m * 2 - 1) * 1024.0));
}

static double dec_half(uint16_t h)
{
    int e = (h >> 10) & 0x1f, m = h & 0x3ff;
    double v = e == 0 ? ldexp(m, -24) : ldexp(1024 + m, e - 25);
    return h & 0x8000 ? -v : v;
}

static uint16_t enc_bf16(double v)
{
    float f = (float)v;
    uint32_t u;
    memcpy(&u, &f, 4);
    return (uint16_t)(u >> 16);
}

static double dec_bf16(uint16_t b)
{
    uint32_t u = (uint32_t)b << 16;
    float f;
    memcpy(&f, &u, 4);
    return f;
}

static int is_float(fcoll_dtype_t dt)
{
    return dt >= FCOLL_FLOAT16;
}

static void store_fp(void *buf, size_t i, fcoll_dtype_t dt, double v)
{
    switch (dt) {
    case FCOLL_FLOAT16:
        ((uint16_t *)buf)[i] = enc_half(v);
        break;
    case FCOLL_BFLOAT16:
        ((uint16_t *)buf)[i] = enc_bf16(v);
        break;
    case FCOLL_FLOAT32:
        ((float *)buf)[i] = (float)v;
        break;
    default:
        ((double *)buf)[i] = v;
        break;
    }
}

static double load_fp(const void *buf, size_t i, fcoll_dtype_t dt)
{
    switch (dt) {
    case FCOLL_FLOAT16:
        return dec_half(((const uint16_t *)buf)[i]);
    case FCOLL_BFLOAT16:
        return dec_bf16(((const uint16_t *)buf)[i]);
    case FCOLL_FLOAT32:
        return ((const float *)buf)[i];
    default:
        return ((const double *)buf)[i];
    }
}

/* Integers are handled as 64-bit patterns, truncated to the type. */
static void store_int(void *buf, size_t i, size_t es, uint64_t v)
{
    memcpy((char *)buf + i * es, &v, es); /* little-endian: low bytes */
}

static int64_t load_int(const void *buf, size_t i, fcoll_dtype_t dt)
{
    switch (dt) {
    case FCOLL_INT8:
        return ((const int8_t *)buf)[i];
    case FCOLL_UINT8:
        return ((const uint8_t *)buf)[i];
    case FCOLL_INT32:
        return ((const int32_t *)buf)[i];
    case FCOLL_UINT32:
        return ((const uint32_t *)buf)[i];
    case FCOLL_INT64:
        return ((const int64_t *)buf)[i];
    default:
        return (int64_t)((const uint64_t *)buf)[i];
    }
}

void ref_fill(void *buf, size_t count, fcoll_dtype_t dt, fcoll_op_t op, int rank, uint64_t seed,
              size_t first)
{
    size_t es = fcoll_dtype_size(dt);
    for (size_t i = 0; i < count; i++) {
        uint64_t r = raw(rank, first + i, seed);
        if (is_float(dt))
            store_fp(buf, i, dt, fp_value(op, r));
        else
            store_int(buf, i, es, r);
    }
}

/* Wraps v to the type's width, as signed or unsigned. */
static int64_t wrap(fcoll_dtype_t dt, uint64_t v)
{
    int64_t out;
    char tmp[8];
    memcpy(tmp, &v, 8);
    out = load_int(tmp, 0, dt);
    return out;
}

void ref_reduce(void *out, size_t count, fcoll_dtype_t dt, fcoll_op_t op, int nranks, uint64_t seed,
                size_t first)
{
    size_t es = fcoll_dtype_size(dt);
    for (size_t i = 0; i < count; i++) {
        if (is_float(dt)) {
            double acc = fp_value(op, raw(0, first + i, seed));
            for (int q = 1; q < nranks; q++) {
                double v = fp_value(op, raw(q, first + i, seed));
                acc = op == FCOLL_PROD  ? acc * v
                      : op == FCOLL_MIN ? (v < acc ? v : acc)
                      : op == FCOLL_MAX ? (v > acc ? v : acc)
                                        : acc + v;
            }
            if (op == FCOLL_AVG)
                acc /= nranks;
            store_fp(out, i, dt, acc);
            continue;
        }
        int is_signed = dt == FCOLL_INT8 || dt == FCOLL_INT32 || dt == FCOLL_INT64;
        uint64_t acc = (uint64_t)wrap(dt, raw(0, first + i, seed));
        for (int q = 1; q < nranks; q++) {
            uint64_t v = (uint64_t)wrap(dt, raw(q, first + i, seed));
            int64_t a = wrap(dt, acc), b = wrap(dt, v);
            int less = is_signed ? b < a : (uint64_t)b < (uint64_t)a;
            switch (op) {
            case FCOLL_PROD:
                acc = acc * v;
                break;
            case FCOLL_MIN:
                acc = less ? v : acc;
                break;
            case FCOLL_MAX:
                acc = less ? acc : v;
                break;
            default:
                acc = acc + v;
                break;
            }
        }
        if (op == FCOLL_AVG) {
            int64_t s = wrap(dt, acc);
            acc = is_signed ? (uint64_t)(s / nranks) : (uint64_t)s / (uint64_t)nranks;
        }
        store_int(out, i, es, acc);
    }
}

size_t ref_compare(const void *got, const void *want, size_t count, fcoll_dtype_t dt, fcoll_op_t op,
                   const char *label)
{
    size_t es = fcoll_dtype_size(dt), bad = 0;
    for (size_t i = 0; i < count; i++) {
        int ok;
        if (is_float(dt) && op == FCOLL_AVG) {
            /* avg divides once in the type's precision: half an ulp. */
            double g = load_fp(got, i, dt), w = load_fp(want, i, dt);
            double tol = dt == FCOLL_FLOAT16    ? 0x1p-10
                         : dt == FCOLL_BFLOAT16 ? 0x1p-7
                         : dt == FCOLL_FLOAT32  ? 0x1p-22
                                                : 0x1p-50;
            ok = fabs(g - w) <= tol * (fabs(w) > 1 ? fabs(w) : 1);
        } else {
            ok = memcmp((const char *)got + i * es, (const char *)want + i * es, es) == 0;
        }
        if (!ok && bad++ == 0) {
            if (is_float(dt))
                fprintf(stderr, "%s: element %zu is %g, expected %g\n", label, i,
                        load_fp(got, i, dt), load_fp(want, i, dt));
            else
                fprintf(stderr, "%s: element %zu is %lld, expected %lld\n", label, i,
                        (long long)load_int(got, i, dt), (long long)load_int(want, i, dt));
        }
    }
    return bad;
}

int harness_ranks_arg(int argc, char **argv, const char *prog)
{
    int n = 2, c;
    while ((c = getopt(argc, argv, "n:")) != -1) {
        if (c != 'n') {
            fprintf(stderr, "usage: %s [-n RANKS]\n", prog);
            return -1;
        }
        n = atoi(optarg);
    }
    if (n < 2 || n > 64) {
        fprintf(stderr, "%s: -n must be 2..64\n", prog);
        return -1;
    }
    return n;
}

fcoll_comm_t *harness_shm_comm(int rank, int nranks, fcoll_unique_id_t id, const char *algo,
                               fcoll_log_fn log_fn, void *log_user)
{
    fcoll_config_t cfg;
    fcoll_config_init(&cfg);
    cfg.transport = "shm";
    cfg.algo = algo;
    cfg.log_fn = log_fn;
    cfg.log_user = log_user;
    cfg.log_level = FCOLL_LOG_DEBUG;
    fcoll_comm_t *comm = NULL;
    fcoll_status_t st = fcoll_comm_init_rank_config(&comm, nranks, id, rank, &cfg);
    if (st != FCOLL_OK) {
        fprintf(stderr, "rank %d: init: %s\n", rank, fcoll_strerror(st));
        return NULL;
    }
    return comm;
}

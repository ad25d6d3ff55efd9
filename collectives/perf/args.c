/*
 * fcoll-perf's command line: nccl-tests' options and defaults, so that
 * scripts written for all_reduce_perf and friends work unchanged; -t and -g
 * are accepted only as 1, since each fcoll-perf process is one rank.
 */
#include "perf.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f,
            "usage: fcoll-perf [COLLECTIVE|all] [options]\n"
            "  COLLECTIVE: allreduce (default), broadcast, reduce, allgather, reducescatter,\n"
            "              alltoall, sendrecv (nccl-tests names like all_reduce_perf work too)\n"
            "  -b, --minbytes SIZE     smallest size (default 32M; K, M, G suffixes)\n"
            "  -e, --maxbytes SIZE     largest size (default 32M)\n"
            "  -f, --stepfactor N      multiply the size by N each step (default 1: add -i)\n"
            "  -i, --stepbytes SIZE    add SIZE each step when -f is 1 (default 1M)\n"
            "  -n, --iters N           timed iterations per size (default 20)\n"
            "  -w, --warmup_iters N    warm-up iterations (default 5)\n"
            "  -c, --check N           check results N times per size (default 1; 0: off)\n"
            "  -d, --datatype TYPE     int8 uint8 int32 uint32 int64 uint64 half|float16\n"
            "                          bfloat16 float|float32 double|float64, or all\n"
            "  -o, --op OP             sum prod min max avg, or all (default sum)\n"
            "  -r, --root N            root of broadcast and reduce (default 0)\n"
            "  -a, --average N         time reported: 0 rank 0, 1 mean (default), 2 min, 3 max\n"
            "  -T, --timeout SECS      per-operation timeout\n"
            "  -R, --local_register N  1: send and receive buffers from fcoll_mem_alloc, which\n"
            "                          peers on the host map (nccl-tests -R); 0: malloc (default)\n"
            "  -t, --nthreads 1        -g, --ngpus 1: one rank per process only\n"
            "  -J, --json              JSON on stdout instead of the table\n"
            "Ranks come from the launcher's environment (fcoll-run, mpirun, srun, torchrun);\n"
            "without one, fcoll-perf runs as a single rank.\n");
}

/* nccl-tests' size syntax: a number with an optional K, M or G (x1024). */
static int parse_size(const char *s, size_t *out)
{
    char *end;
    double v = strtod(s, &end), unit = 1;

    if (end == s || v < 0)
        return -1;
    switch (*end) {
    case 'G':
    case 'g':
        unit = 1024.0 * 1024 * 1024;
        break;
    case 'M':
    case 'm':
        unit = 1024.0 * 1024;
        break;
    case 'K':
    case 'k':
        unit = 1024.0;
        break;
    case '\0':
        break;
    default:
        return -1;
    }
    if (*end && end[1])
        return -1;
    *out = (size_t)(v * unit);
    return 0;
}

static int parse_int(const char *s, int min, int max, int *out)
{
    char *end;
    long v = strtol(s, &end, 0);

    if (end == s || *end || v < min || v > max)
        return -1;
    *out = (int)v;
    return 0;
}

static const struct {
    const char *name;
    fcoll_dtype_t type;
} type_aliases[] = {{"half", FCOLL_FLOAT16},
                    {"float", FCOLL_FLOAT32},
                    {"double", FCOLL_FLOAT64},
                    {"bf16", FCOLL_BFLOAT16}};

static int parse_types(const char *s, struct perf_opts *o)
{
    o->ntypes = 0;
    for (int t = 0; t < FCOLL_NUM_DTYPES; t++)
        if (strcmp(s, "all") == 0 || strcmp(s, fcoll_dtype_name((fcoll_dtype_t)t)) == 0)
            o->types[o->ntypes++] = (fcoll_dtype_t)t;
    for (size_t i = 0; i < sizeof(type_aliases) / sizeof(type_aliases[0]); i++)
        if (strcmp(s, type_aliases[i].name) == 0)
            o->types[o->ntypes++] = type_aliases[i].type;
    return o->ntypes ? 0 : -1;
}

static int parse_ops(const char *s, struct perf_opts *o)
{
    o->nops = 0;
    for (int op = 0; op < FCOLL_NUM_OPS; op++)
        if (strcmp(s, "all") == 0 || strcmp(s, fcoll_op_name((fcoll_op_t)op)) == 0)
            o->ops[o->nops++] = (fcoll_op_t)op;
    return o->nops ? 0 : -1;
}

static const struct option long_opts[] = {
    {"minbytes", required_argument, NULL, 'b'},
    {"maxbytes", required_argument, NULL, 'e'},
    {"stepfactor", required_argument, NULL, 'f'},
    {"stepbytes", required_argument, NULL, 'i'},
    {"iters", required_argument, NULL, 'n'},
    {"warmup_iters", required_argument, NULL, 'w'},
    {"check", required_argument, NULL, 'c'},
    {"datatype", required_argument, NULL, 'd'},
    {"op", required_argument, NULL, 'o'},
    {"root", required_argument, NULL, 'r'},
    {"average", required_argument, NULL, 'a'},
    {"timeout", required_argument, NULL, 'T'},
    {"nthreads", required_argument, NULL, 't'},
    {"ngpus", required_argument, NULL, 'g'},
    {"json", no_argument, NULL, 'J'},
    {"local_register", required_argument, NULL, 'R'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static int bad(const char *what, const char *value)
{
    fprintf(stderr, "fcoll-perf: invalid %s '%s'\n", what, value);
    return 1;
}

int perf_parse_args(int argc, char **argv, struct perf_opts *o)
{
    int opt, one, avg = PERF_AVG_MEAN;

    *o = (struct perf_opts){.min_bytes = 32u << 20,
                            .max_bytes = 32u << 20,
                            .step_bytes = 1u << 20,
                            .step_factor = 1,
                            .iters = 20,
                            .warmup = 5,
                            .check = 1,
                            .types = {FCOLL_FLOAT32},
                            .ntypes = 1,
                            .ops = {FCOLL_SUM},
                            .nops = 1};
    while ((opt = getopt_long(argc, argv, "b:e:f:i:n:w:c:d:o:r:a:T:t:g:R:Jh", long_opts, NULL)) !=
           -1) {
        switch (opt) {
        case 'b':
            if (parse_size(optarg, &o->min_bytes))
                return bad("size", optarg);
            break;
        case 'e':
            if (parse_size(optarg, &o->max_bytes))
                return bad("size", optarg);
            break;
        case 'f':
            o->step_factor = strtod(optarg, NULL);
            if (o->step_factor < 1)
                return bad("step factor", optarg);
            break;
        case 'i':
            if (parse_size(optarg, &o->step_bytes) || o->step_bytes == 0)
                return bad("step", optarg);
            break;
        case 'n':
            if (parse_int(optarg, 1, 1 << 30, &o->iters))
                return bad("iteration count", optarg);
            break;
        case 'w':
            if (parse_int(optarg, 0, 1 << 30, &o->warmup))
                return bad("warm-up count", optarg);
            break;
        case 'c':
            if (parse_int(optarg, 0, 1000, &o->check))
                return bad("check count", optarg);
            break;
        case 'd':
            if (parse_types(optarg, o))
                return bad("datatype", optarg);
            break;
        case 'o':
            if (parse_ops(optarg, o))
                return bad("op", optarg);
            break;
        case 'r':
            if (parse_int(optarg, 0, 1 << 30, &o->root))
                return bad("root", optarg);
            break;
        case 'a':
            if (parse_int(optarg, 0, 3, &avg))
                return bad("average mode", optarg);
            break;
        case 'T':
            if (parse_int(optarg, 1, 1 << 20, &o->timeout_s))
                return bad("timeout", optarg);
            break;
        case 't':
        case 'g':
            if (parse_int(optarg, 1, 1, &one)) {
                fprintf(stderr, "fcoll-perf: one rank per process; start more processes with "
                                "fcoll-run -n N, mpirun -np N, srun or torchrun\n");
                return 1;
            }
            break;
        case 'R':
            if (parse_int(optarg, 0, 1, &o->registered))
                return bad("registration mode (0 or 1)", optarg);
            break;
        case 'J':
            o->json = 1;
            break;
        case 'h':
            usage(stdout);
            return -1;
        default:
            usage(stderr);
            return 1;
        }
    }
    o->average = (enum perf_average)avg;
    for (; optind < argc; optind++) {
        const int all = strcmp(argv[optind], "all") == 0;
        const struct perf_coll *c = all ? &perf_colls[0] : perf_coll_find(argv[optind]);
        const int n = all ? perf_ncolls : 1;
        if (!c || o->ncolls + n > (int)(sizeof(o->colls) / sizeof(o->colls[0])))
            return bad("collective", argv[optind]);
        for (int i = 0; i < n; i++)
            o->colls[o->ncolls++] = &c[i];
    }
    if (o->ncolls == 0)
        o->colls[o->ncolls++] = perf_coll_find("allreduce");
    if (o->max_bytes < o->min_bytes) {
        fprintf(stderr, "fcoll-perf: -e must not be below -b\n");
        return 1;
    }
    return 0;
}

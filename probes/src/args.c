/* Options shared by the probe and round commands. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"

static int number(const char *s, unsigned long max, uint32_t *out)
{
    char *end;
    unsigned long v = s != NULL ? strtoul(s, &end, 10) : 0;
    if (s == NULL || *end != '\0' || v == 0 || v > max)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

static int option(struct fprobe_args *a, const char *opt, const char *v)
{
    uint32_t n;
    if (strcmp(opt, "-s") == 0)
        return number(v, FPROBE_MAX_SIZE, &a->req.size);
    if (strcmp(opt, "-t") == 0)
        return number(v, FPROBE_MAX_DURATION, &a->req.duration_ms);
    if (strcmp(opt, "-n") == 0)
        return number(v, FPROBE_MAX_ITERS, &a->req.iters);
    if (strcmp(opt, "--dev") == 0 && v != NULL) {
        a->ib.dev = v;
        return 0;
    }
    if (strcmp(opt, "--gid-index") == 0 && number(v, 65535, &n) == 0) {
        a->ib.gid_index = (int)n;
        return 0;
    }
    if (strcmp(opt, "--slow") == 0 && v != NULL) {
        a->slow = atof(v);
        return a->slow > 0 && a->slow < 1 ? 0 : -1;
    }
    if (strcmp(opt, "-k") == 0 && v != NULL) {
        a->req.kind = fprobe_kind_parse(v);
        return a->req.kind != 0 ? 0 : -1;
    }
    if (strcmp(opt, "--hosts") == 0 && v != NULL) {
        a->hosts = v;
        return 0;
    }
    return -1;
}

int fprobe_args_parse(struct fprobe_args *a, int argc, char **argv, int want_hosts)
{
    memset(a, 0, sizeof(*a));
    a->req = (struct fprobe_req){
        .kind = FPROBE_TCP_BW, .size = 65536, .duration_ms = 2000, .iters = 1000};
    a->ib = (struct fprobe_ib_opts){.port = 1, .gid_index = -1};
    a->slow = 0.5;
    int ok = 1;
    for (int i = 1; ok && i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            a->json = 1;
        else if (argv[i][0] == '-')
            ok = option(a, argv[i], i + 1 < argc ? argv[i + 1] : NULL) == 0 && ++i;
        else if (a->target == NULL && !want_hosts)
            a->target = argv[i];
        else
            ok = 0;
    }
    if (ok && (want_hosts ? a->hosts != NULL : a->target != NULL))
        return 0;
    fprintf(stderr,
            "usage: fabprobe %s [-s BYTES] [-t MS] [-n ITERS] [--dev DEV] "
            "[--gid-index N]%s [--json]\n",
            want_hosts ? "round --hosts H1,H2,..." : "bw|lat|ib-bw|ib-lat HOST[:PORT]",
            want_hosts ? " [-k bw|ib-bw] [--slow FRACTION]" : "");
    return -1;
}

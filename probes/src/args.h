/* Options shared by the probe and round commands. */
#ifndef FPROBE_ARGS_H
#define FPROBE_ARGS_H

#include "probe.h"

struct fprobe_args {
    struct fprobe_req req;
    struct fprobe_ib_opts ib;
    int json;
    double slow; /* round: slow pairs lie below a gap of 1/slow (0.5: 2x) */
    const char *hosts;
    const char *target;
};

/* Parses argv[1..] into a (defaults first); 0, or -1 (usage is printed). */
int fprobe_args_parse(struct fprobe_args *a, int argc, char **argv, int want_hosts);

#endif

/* fabprobe: the per-host probe agent (inventory, measurements, rounds). */
#include <stdio.h>
#include <string.h>

#include "cmd.h"

static int usage(void)
{
    fprintf(stderr,
            "usage: fabprobe COMMAND [ARGS]\n"
            "  inventory [--json]             RDMA devices, ports and netdevs of this host\n"
            "  serve [--listen ADDR:PORT] [--dev DEV] [--gid-index N] [--advertise ADDR:PORT]\n"
            "                                 answer probes (default 0.0.0.0:18515)\n"
            "  bw|lat|ib-bw|ib-lat HOST[:PORT] [-s BYTES] [-t MS] [-n ITERS] [--json]\n"
            "                                 TCP or verbs bandwidth/latency to HOST\n"
            "  round --hosts H1,H2,... [-s BYTES] [-t MS] [--slow FRACTION] [--json]\n"
            "                                 probe every pair, no host in two at once\n"
            "serve, the probes and round report to fabricd with --fabricd http://HOST:PORT\n"
            "[--token TOKEN (or $FABRICD_TOKEN)] [--name NAME (default: the host name)]\n");
    return 2;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage();
    const char *cmd = argv[1];
    if (strcmp(cmd, "inventory") == 0)
        return fprobe_cmd_inventory(argc - 1, argv + 1);
    if (strcmp(cmd, "serve") == 0)
        return fprobe_cmd_serve(argc - 1, argv + 1);
    if (strcmp(cmd, "bw") == 0 || strcmp(cmd, "lat") == 0 || strcmp(cmd, "ib-bw") == 0 ||
        strcmp(cmd, "ib-lat") == 0)
        return fprobe_cmd_probe(argc - 1, argv + 1);
    if (strcmp(cmd, "round") == 0)
        return fprobe_cmd_round(argc - 1, argv + 1);
    return usage();
}

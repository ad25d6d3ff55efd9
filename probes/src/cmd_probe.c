/* fabprobe bw|lat|ib-bw|ib-lat HOST: one probe to a host running serve. */
#include <signal.h>
#include <stdio.h>

#include "args.h"
#include "cmd.h"
#include "log.h"
#include "report.h"
#include "res_json.h"

int fprobe_cmd_probe(int argc, char **argv)
{
    struct fprobe_args a;
    struct fprobe_fabricd fd;
    if (fprobe_fabricd_args(&fd, &argc, argv) != 0 || fprobe_args_parse(&a, argc, argv, 0) != 0)
        return 2;
    a.req.kind = fprobe_kind_parse(argv[0]);
    signal(SIGPIPE, SIG_IGN);
    struct fprobe_result res;
    fprobe_probe_run(&a.req, a.target, &a.ib, &res);
    if (a.json) {
        json_object *o = fprobe_result_json(&a.req, a.target, &res);
        puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY));
        json_object_put(o);
    } else if (res.status != 0) {
        fprobe_log("%s %s: %s", argv[0], a.target, res.error);
    } else if (a.req.kind == FPROBE_TCP_BW || a.req.kind == FPROBE_IB_BW) {
        printf("%s %s: %u B messages, %.3f s, %.2f MB/s (%.3f Gb/s)\n", argv[0], a.target,
               a.req.size, (double)res.ns / 1e9, fprobe_res_mbps(&res),
               fprobe_res_mbps(&res) * 8 / 1000);
    } else {
        printf("%s %s: %u B, %llu round trips, one-way min %.2f us p50 %.2f us p99 %.2f us\n",
               argv[0], a.target, a.req.size, (unsigned long long)res.bytes,
               (double)res.lat_min_ns / 1e3, (double)res.lat_p50_ns / 1e3,
               (double)res.lat_p99_ns / 1e3);
    }
    int reported = 0;
    if (fd.url != NULL) {
        json_object *arr = json_object_new_array();
        json_object_array_add(arr, fprobe_fabricd_result(fd.name, a.target, &a.req, &res));
        reported = fprobe_fabricd_post(&fd, "/api/v1/probes/results", arr);
        json_object_put(arr);
    }
    return res.status == 0 && reported == 0 ? 0 : 1;
}

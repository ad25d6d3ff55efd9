/* fabtopo show: a fabric's summary, as a table for people or JSON for
 * scripts. */
#include <getopt.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>

#include "cli.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: fabtopo show [-f FORMAT] [-j] [-v] FABRIC\n"
                 "\n"
                 "Summarizes a fabric file (\"-\" reads standard input): counts of nodes,\n"
                 "switches, CAs and hosts, links by rate, switch tiers with their\n"
                 "oversubscription, and the detected shape.\n"
                 "\n"
                 "  -f, --format F  input format: ibnetdiscover, cache, json (default: guess)\n"
                 "  -j, --json      print the summary as JSON\n"
                 "  -v, --verbose   print progress and warnings\n"
                 "  -h, --help      this text\n");
}

static void print_table(const char *path, ftopo_format format, const ftopo_summary *s)
{
    printf("fabric     %s", path);
    if (format != FTOPO_FORMAT_AUTO)
        printf(" (%s)", ftopo_format_name(format));
    printf("\nshape      %s%s\n", ftopo_shape_str(s->shape), s->degraded ? ", degraded" : "");
    printf("nodes      %zu: %zu switches, %zu CAs, %zu routers\n", s->nodes, s->switches, s->cas,
           s->routers);
    printf("hosts      %zu (at most %zu HCA%s each)\n", s->hosts, s->rails,
           s->rails == 1 ? "" : "s");
    printf("links      %zu (%zu between switches)\n", s->links, s->switch_links);
    if (s->num_rates) {
        printf("\n%-12s %-6s %-6s %s\n", "rate", "width", "speed", "links");
        for (size_t i = 0; i < s->num_rates; i++) {
            const ftopo_rate_count *r = &s->rates[i];
            printf("%6g Gb/s  %-6s %-6s %zu\n", r->rate_gbps, ftopo_width_str(r->width),
                   ftopo_speed_str(r->speed), r->links);
        }
    }
    if (s->tiers > 0) {
        printf("\n%-5s %-9s %s\n", "tier", "switches", "oversubscription (down:up)");
        for (int t = 1; t <= s->tiers && t <= FTOPO_MAX_TIERS; t++) {
            printf("%-5d %-9zu ", t, s->switches_per_tier[t]);
            if (s->oversubscription[t] > 0)
                printf("%.2f:1\n", s->oversubscription[t]);
            else
                printf("-\n");
        }
    }
}

static json_object *summary_json(const char *path, const ftopo_summary *s)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "fabric", json_object_new_string(path));
    json_object_object_add(o, "shape", json_object_new_string(ftopo_shape_str(s->shape)));
    json_object_object_add(o, "degraded", json_object_new_boolean(s->degraded));
    const struct {
        const char *key;
        size_t value;
    } counts[] = {{"nodes", s->nodes}, {"switches", s->switches},
                  {"cas", s->cas},     {"routers", s->routers},
                  {"hosts", s->hosts}, {"rails", s->rails},
                  {"links", s->links}, {"switch_links", s->switch_links}};
    for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++)
        json_object_object_add(o, counts[i].key, json_object_new_int64((int64_t)counts[i].value));
    json_object *rates = json_object_new_array();
    for (size_t i = 0; i < s->num_rates; i++) {
        const ftopo_rate_count *r = &s->rates[i];
        json_object *rate = json_object_new_object();
        json_object_object_add(rate, "width", json_object_new_string(ftopo_width_str(r->width)));
        json_object_object_add(rate, "speed", json_object_new_string(ftopo_speed_str(r->speed)));
        json_object_object_add(rate, "rate_gbps", json_object_new_double(r->rate_gbps));
        json_object_object_add(rate, "links", json_object_new_int64((int64_t)r->links));
        json_object_array_add(rates, rate);
    }
    json_object_object_add(o, "rates", rates);
    json_object *tiers = json_object_new_array();
    for (int t = 1; t <= s->tiers && t <= FTOPO_MAX_TIERS; t++) {
        json_object *tier = json_object_new_object();
        json_object_object_add(tier, "tier", json_object_new_int(t));
        json_object_object_add(tier, "switches",
                               json_object_new_int64((int64_t)s->switches_per_tier[t]));
        /* null where undefined (the top tier), so scripts cannot mistake it
         * for a ratio. */
        json_object_object_add(
            tier, "oversubscription",
            s->oversubscription[t] > 0 ? json_object_new_double(s->oversubscription[t]) : NULL);
        json_object_array_add(tiers, tier);
    }
    json_object_object_add(o, "tiers", tiers);
    return o;
}

int fabtopo_cmd_show(int argc, char **argv)
{
    static const struct option options[] = {
        {"format", required_argument, NULL, 'f'},
        {"json", no_argument, NULL, 'j'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    ftopo_format format = FTOPO_FORMAT_AUTO;
    bool json = false, verbose = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "f:jvh", options, NULL)) != -1) {
        switch (c) {
        case 'j':
            json = true;
            break;
        default: {
            int rc = cli_common_opt("show", c, &format, &verbose, usage);
            if (rc != CLI_CONTINUE)
                return rc;
            break;
        }
        }
    }
    if (optind != argc - 1) {
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    const char *path = argv[optind];
    ftopo_diag diag;
    cli_diag_init(&diag, verbose);
    ftopo_fabric *fabric = NULL;
    ftopo_status st = ftopo_read_file(path, format, &fabric, &diag);
    if (st != FTOPO_OK)
        return cli_fail("show", st, &diag);
    ftopo_summary s;
    st = ftopo_fabric_summary(fabric, &s);
    ftopo_fabric_destroy(fabric);
    if (st != FTOPO_OK)
        return cli_fail("show", st, NULL);
    if (json) {
        json_object *o = summary_json(path, &s);
        puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
                                                   JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(o);
    } else {
        print_table(path, format, &s);
    }
    return fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

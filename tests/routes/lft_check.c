/* lft_check: compares an LFT dump with what the switches of the live
 * fabric hold, entry by entry (every switch, every LID up to the top).
 *
 *   lft_check FABRIC DUMP
 *
 * FABRIC carries the live LIDs (fabtopo discover); LFTs are read through
 * libibmad (ftopo_routes_read_live). Exit 0 when equal, 1 when any entry
 * differs (the first is printed), 2 on usage or read errors. */
#include <stdio.h>
#include <stdlib.h>

#include "ftopo.h"

static int fail(const char *what, ftopo_status st, const ftopo_diag *diag)
{
    fprintf(stderr, "lft_check: %s: %s\n", what,
            diag->message[0] ? diag->message : ftopo_strerror(st));
    return 2;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: lft_check FABRIC DUMP\n");
        return 2;
    }
    ftopo_diag diag = {0};
    ftopo_fabric *fabric = NULL;
    ftopo_routes *want = NULL, *live = NULL;
    ftopo_routes_opts opts = {FTOPO_LIDS_FABRIC, 0};
    int rc = 2;
    ftopo_status st = ftopo_read_file(argv[1], FTOPO_FORMAT_AUTO, &fabric, &diag);
    if (st != FTOPO_OK) {
        rc = fail(argv[1], st, &diag);
        goto out;
    }
    if ((st = ftopo_routes_create(fabric, &opts, &want, &diag)) != FTOPO_OK ||
        (st = ftopo_routes_create(fabric, &opts, &live, &diag)) != FTOPO_OK) {
        rc = fail("route set", st, &diag);
        goto out;
    }
    if ((st = ftopo_routes_read_dump_file(want, argv[2], &diag)) != FTOPO_OK) {
        rc = fail(argv[2], st, &diag);
        goto out;
    }
    if ((st = ftopo_routes_read_live(live, NULL, &diag)) != FTOPO_OK) {
        rc = fail("live LFTs", st, &diag);
        goto out;
    }
    size_t differences = 0;
    st = ftopo_routes_compare(want, live, &differences, &diag);
    size_t entries = ftopo_routes_num_switches(want) * ftopo_routes_lid_top(want);
    if (st == FTOPO_OK) {
        printf("lft_check: %zu switches x %u LIDs: all %zu entries equal\n",
               ftopo_routes_num_switches(want), (unsigned)ftopo_routes_lid_top(want), entries);
        rc = 0;
    } else if (st == FTOPO_ERR_CONFLICT) {
        printf("lft_check: %zu of %zu entries differ; first: %s\n", differences, entries,
               diag.message);
        rc = 1;
    } else {
        rc = fail("compare", st, &diag);
    }
out:
    ftopo_routes_destroy(live);
    ftopo_routes_destroy(want);
    ftopo_fabric_destroy(fabric);
    return rc;
}

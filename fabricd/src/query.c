/* Questions answered from a snapshot or against files: path traces, route
 * quality, and the master topology diff. They run on the caller's thread. */
#include "core_int.h"
#include "ftopo/io.h"

ftopo_status fabd_snapshot_trace(const fabd_snapshot *snap, const char *src, const char *dst,
                                 ftopo_trace *out, ftopo_diag *diag)
{
    if (!snap || !src || !dst || !out)
        return fabd__fail(diag, FTOPO_ERR_ARG, "trace: source and destination are required");
    if (!snap->routes)
        return fabd__fail(diag, FTOPO_ERR_STATE, "no forwarding tables read yet");
    ftopo_node_id sn, dn;
    int sp, dp;
    ftopo_status st = ftopo_routes_resolve(snap->routes, src, &sn, &sp, diag);
    if (st == FTOPO_OK)
        st = ftopo_routes_resolve(snap->routes, dst, &dn, &dp, diag);
    if (st != FTOPO_OK)
        return st;
    ftopo_lid dlid = ftopo_routes_port_lid(snap->routes, dn, dp);
    if (dlid == 0)
        return fabd__fail(diag, FTOPO_ERR_NOT_FOUND, "trace: \"%s\" has no LID", dst);
    return ftopo_trace_route(snap->routes, sn, sp, dlid, out, diag);
}

ftopo_status fabd_snapshot_route_quality(const fabd_snapshot *snap, ftopo_analysis *out,
                                         ftopo_diag *diag)
{
    if (!snap || !out)
        return fabd__fail(diag, FTOPO_ERR_ARG, "route quality: no snapshot");
    if (!snap->routes)
        return fabd__fail(diag, FTOPO_ERR_STATE, "no forwarding tables read yet");
    ftopo_pattern all2all = {.kind = FTOPO_PATTERN_ALL2ALL};
    return ftopo_analyze(snap->routes, &all2all, out, diag);
}

ftopo_status fabd_core_diff_with(fabd_core *core, const ftopo_fabric *master, fabd_diff *out,
                                 ftopo_diag *diag)
{
    fabd_snapshot *snap = fabd_core_snapshot(core);
    if (!snap)
        return fabd__fail(diag, FTOPO_ERR_STATE, "no sweep has finished yet");
    ftopo_status st = fabd_fabric_diff(master, snap->fabric, out, diag);
    fabd_snapshot_release(snap);
    return st;
}

ftopo_status fabd_core_master_diff(fabd_core *core, const char *master_path, fabd_diff *out,
                                   ftopo_diag *diag)
{
    const char *path = master_path ? master_path : core->opts.master_path;
    if (!path)
        return fabd__fail(diag, FTOPO_ERR_NOT_FOUND, "no master topology configured");
    fabd_snapshot *snap = fabd_core_snapshot(core);
    if (!snap)
        return fabd__fail(diag, FTOPO_ERR_STATE, "no sweep has finished yet");
    fabd_snapshot_release(snap);
    ftopo_fabric *master = NULL;
    ftopo_status st = ftopo_read_file(path, FTOPO_FORMAT_AUTO, &master, diag);
    if (st == FTOPO_OK)
        st = fabd_core_diff_with(core, master, out, diag);
    ftopo_fabric_destroy(master);
    return st;
}

/* Live discovery through libibnetdisc: a directed-route sweep from a local
 * CA port, then the shared conversion into the fabric model. The local CA is
 * checked through libibumad first, so that a missing device or a dead link
 * gets its own message instead of libibnetdisc's generic failure. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <infiniband/umad.h>

#include "ibnd_convert.h"

#define PHYS_STATE_LINKUP 5

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Resolves the CA name (the first CA when none is given) and checks that the
 * chosen port, or some port when none is given, has its link up. */
static ftopo_status check_local_port(const ftopo_discover_opts *o, char *ca_name, size_t size,
                                     ftopo_diag *diag)
{
    if (o->ca_name && strlen(o->ca_name) >= size)
        return ftopo__fail(diag, FTOPO_ERR_ARG, "CA name '%.40s' is too long", o->ca_name);
    if (umad_init() < 0)
        return ftopo__fail(diag, FTOPO_ERR_FABRIC, "cannot initialize libibumad");
    if (o->ca_name) {
        snprintf(ca_name, size, "%s", o->ca_name);
    } else {
        char names[1][UMAD_CA_NAME_LEN];
        if (umad_get_cas_names(names, 1) < 1)
            names[0][0] = '\0';
        snprintf(ca_name, size, "%s", names[0]);
    }

    umad_ca_t ca;
    if (!ca_name[0] || umad_get_ca(ca_name, &ca) < 0) {
        umad_done();
        if (o->ca_name)
            return ftopo__fail(diag, FTOPO_ERR_FABRIC,
                               "no InfiniBand device '%s' (see /sys/class/infiniband)", ca_name);
        return ftopo__fail(diag, FTOPO_ERR_FABRIC,
                           "no InfiniBand device found: no umad device (is ib_umad loaded? "
                           "for ibsim, preload libumad2sim.so and set IBSIM_SOCKNAME)");
    }

    ftopo_status st = FTOPO_OK;
    if (o->ca_port > 0) {
        const umad_port_t *port = o->ca_port < UMAD_CA_MAX_PORTS ? ca.ports[o->ca_port] : NULL;
        if (!port)
            st = ftopo__fail(diag, FTOPO_ERR_ARG, "%s has no port %d", ca_name, o->ca_port);
        else if (port->phys_state != PHYS_STATE_LINKUP)
            st = ftopo__fail(diag, FTOPO_ERR_FABRIC,
                             "%s port %d: link is not up (physical state %u): check the cable",
                             ca_name, o->ca_port, port->phys_state);
    } else {
        bool up = false;
        for (int p = 0; p < UMAD_CA_MAX_PORTS && !up; p++)
            up = ca.ports[p] && ca.ports[p]->phys_state == PHYS_STATE_LINKUP;
        if (!up)
            st = ftopo__fail(diag, FTOPO_ERR_FABRIC,
                             "%s: no port has its link up: check the cables", ca_name);
    }
    umad_release_ca(&ca);
    umad_done();
    return st;
}

ftopo_status ftopo_discover(const ftopo_discover_opts *opts, ftopo_fabric **out, ftopo_diag *diag)
{
    if (!out)
        return FTOPO_ERR_ARG;
    *out = NULL;
    const ftopo_discover_opts defaults = {0};
    const ftopo_discover_opts *o = opts ? opts : &defaults;
    if (o->ca_port < 0 || o->timeout_ms < 0 || o->retries < 0 || o->max_hops < 0)
        return ftopo__fail(diag, FTOPO_ERR_ARG, "discovery options must not be negative");

    char ca_name[UMAD_CA_NAME_LEN];
    ftopo_status st = check_local_port(o, ca_name, sizeof(ca_name), diag);
    if (st != FTOPO_OK)
        return st;

    ibnd_config_t cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.timeout_ms = (unsigned)o->timeout_ms;
    cfg.retries = (unsigned)o->retries;
    cfg.max_hops = (unsigned)o->max_hops;
    /* Mellanox's extended port info is the only place FDR10 shows up; it
     * costs one more SMP per QDR-looking port of Mellanox devices only. */
    cfg.flags = IBND_CONFIG_MLX_EPI;

    ftopo__log(diag, FTOPO_LOG_INFO,
               "discovering from %s port %d (MAD timeout %d ms, %d retries, "
               "max hops %d; 0 = default)",
               ca_name, o->ca_port, o->timeout_ms, o->retries, o->max_hops);
    double t0 = now_ms();
    ibnd_fabric_t *raw = ibnd_discover_fabric(ca_name, o->ca_port, NULL, &cfg);
    if (!raw) {
        char timeout[32] = "libibmad's default";
        if (o->timeout_ms)
            snprintf(timeout, sizeof(timeout), "%d ms", o->timeout_ms);
        return ftopo__fail(diag, FTOPO_ERR_FABRIC,
                           "discovery from %s port %d failed: no answer to its SMPs "
                           "(MAD timeout %s, %d retries)",
                           ca_name, o->ca_port, timeout, o->retries);
    }
    double t1 = now_ms();
    ftopo__log(diag, FTOPO_LOG_INFO, "swept the fabric in %.1f ms: %u MADs, %u hops deep", t1 - t0,
               raw->total_mads_used, raw->maxhops_discovered);

    if (o->cache_path && ibnd_cache_fabric(raw, o->cache_path, IBND_CACHE_FABRIC_FLAG_DEFAULT)) {
        st = ftopo__fail(diag, FTOPO_ERR_IO, "%s: cannot write the libibnetdisc cache",
                         o->cache_path);
    }
    if (st == FTOPO_OK) {
        char origin[64];
        snprintf(origin, sizeof(origin), "live fabric from %s", ca_name);
        st = ftopo__from_ibnd(raw, origin, out, diag);
    }
    ibnd_destroy_fabric(raw);
    if (st == FTOPO_OK)
        ftopo__log(diag, FTOPO_LOG_INFO, "built the model: %zu nodes, %zu links in %.1f ms",
                   ftopo_num_nodes(*out), ftopo_num_links(*out), now_ms() - t1);
    return st;
}

/* Synthetic fabrics: fat trees, rail-optimized clusters and tori, optionally
 * degraded, for tests, benchmarks and ibsim. Node descriptions carry host
 * and HCA ("node017 HCA-3"), so hosts are recoverable from any format. */
#ifndef FTOPO_GEN_H
#define FTOPO_GEN_H

#include "ftopo/fabric.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ftopo_gen_kind {
    FTOPO_GEN_FAT_TREE_2 = 1, /* leaf / spine */
    FTOPO_GEN_FAT_TREE_3,     /* leaf / spine / core, in pods */
    FTOPO_GEN_RAIL,           /* hosts with several HCAs, HCA i on rail i's leaves */
    FTOPO_GEN_TORUS_2D,       /* switches in an X x Y wrap-around grid */
} ftopo_gen_kind;

typedef struct ftopo_gen_params {
    ftopo_gen_kind kind;
    int hosts;               /* number of hosts (required) */
    int radix;               /* switch ports; 0: 36 */
    double oversubscription; /* leaf down:up bandwidth; 0 or 1: non-blocking */
    int hcas_per_host;       /* 0: 1 (8 for FTOPO_GEN_RAIL) */
    int torus_x, torus_y;    /* torus size; 0: near-square from hosts */
    double degrade_fraction; /* share of inter-switch links removed, fabric kept connected */
    uint64_t seed;           /* for degrading and name shuffling */
    bool shuffle_names;      /* host names do not follow the cabling order */
    ftopo_link_width width;  /* 0: 4x */
    ftopo_link_speed speed;  /* 0: EDR */
    const char *host_prefix; /* NULL: "node" */
} ftopo_gen_params;

/* Builds the fabric, finalized; the caller owns *out. */
ftopo_status ftopo_generate(const ftopo_gen_params *params, ftopo_fabric **out, ftopo_diag *diag);

/* "fat-tree-2" ("ft2"), "fat-tree-3" ("ft3"), "rail", "torus" */
ftopo_status ftopo_gen_kind_parse(const char *name, ftopo_gen_kind *out);

#ifdef __cplusplus
}
#endif

#endif

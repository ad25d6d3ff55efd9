/* Live discovery of a fabric through MADs (libibnetdisc), from a local CA
 * port. Works against real hardware and against ibsim through umad2sim. */
#ifndef FTOPO_DISCOVER_H
#define FTOPO_DISCOVER_H

#include "ftopo/fabric.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ftopo_discover_opts {
    const char *ca_name;    /* NULL: the first CA */
    int ca_port;            /* 0: the first active port */
    int timeout_ms;         /* per MAD; 0: the library default */
    int retries;            /* per MAD; 0: the library default */
    int max_hops;           /* 0: no limit */
    const char *cache_path; /* when set, also saves libibnetdisc's cache file here */
} ftopo_discover_opts;

/* Sweeps the fabric and returns it finalized; the caller owns *out. opts may
 * be NULL for all defaults. Progress goes to diag->log at FTOPO_LOG_INFO. */
ftopo_status ftopo_discover(const ftopo_discover_opts *opts, ftopo_fabric **out, ftopo_diag *diag);

#ifdef __cplusplus
}
#endif

#endif

/* fcoll_comm_init_env: rank and size from what launchers set, rendezvous at
 * a TCP store that rank 0 hosts on MASTER_ADDR:MASTER_PORT. */
#include <netdb.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const struct {
    const char *rank, *size;
} launchers[] = {
    {"RANK", "WORLD_SIZE"},                           /* torchrun */
    {"OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE"}, /* OpenMPI */
    {"PMI_RANK", "PMI_SIZE"},                         /* MPICH, Intel MPI */
    {"SLURM_PROCID", "SLURM_NTASKS"},                 /* srun */
};

static int env_int(const char *name, int *out)
{
    const char *v = getenv(name);
    if (v == NULL || *v == '\0')
        return 0;
    char *end;
    long x = strtol(v, &end, 10);
    if (*end != '\0' || x < 0 || x > 1 << 24)
        return 0;
    *out = (int)x;
    return 1;
}

/* The job's name, so that two jobs on one host pick different ports and
 * reject each other's connections. */
static const char *job_id(void)
{
    static const char *const vars[] = {"TORCHELASTIC_RUN_ID", "SLURM_JOB_ID",
                                       "OMPI_MCA_ess_base_jobid", "PMI_JOBID"};
    for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
        const char *v = getenv(vars[i]);
        if (v != NULL && *v != '\0')
            return v;
    }
    return "";
}

static uint64_t hash_str(uint64_t h, const char *s)
{
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
    return h;
}

fcoll_status_t fcoll_comm_init_env(fcoll_comm_t **comm, const fcoll_config_t *cfg)
{
    if (comm == NULL)
        return FCOLL_ERR_NULL_POINTER;
    *comm = NULL;
    fcoll__log_t log = {.level = FCOLL_LOG_WARN, .rank = -1};
    int rank = -1, size = -1;
    for (size_t i = 0; i < sizeof(launchers) / sizeof(launchers[0]); i++)
        if (env_int(launchers[i].rank, &rank) && env_int(launchers[i].size, &size))
            break;
    if (rank < 0 || size < 1 || rank >= size) {
        FCOLL__ERR(&log, "no rank/size in the environment (RANK/WORLD_SIZE, "
                         "OMPI_COMM_WORLD_*, PMI_*, SLURM_PROCID/SLURM_NTASKS)");
        return FCOLL_ERR_INVALID_ARG;
    }
    const char *job = job_id();
    const char *host = getenv("MASTER_ADDR");
    if (host == NULL || *host == '\0')
        host = "127.0.0.1";
    int port = 0;
    if (!env_int("MASTER_PORT", &port))
        port = *job ? 20000 + (int)(hash_str(0xcbf29ce484222325ull, job) % 20000) : 29500;
    if (port <= 0 || port > 65535) {
        FCOLL__ERR(&log, "MASTER_PORT=%d out of range", port);
        return FCOLL_ERR_INVALID_ARG;
    }
    struct sockaddr_storage addr;
    memset(&addr, 0, sizeof(addr));
    if (rank == 0) {
        /* Host the store on every address: MASTER_ADDR names this host from
         * the others' point of view, which may not be a local address. */
        struct sockaddr_in *a = (struct sockaddr_in *)&addr;
        a->sin_family = AF_INET;
        a->sin_addr.s_addr = htonl(INADDR_ANY);
        a->sin_port = htons((uint16_t)port);
    } else {
        struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *res;
        int e = getaddrinfo(host, NULL, &hints, &res);
        if (e != 0) {
            FCOLL__ERR(&log, "MASTER_ADDR=%s: %s", host, gai_strerror(e));
            return FCOLL_ERR_SYSTEM;
        }
        memcpy(&addr, res->ai_addr, res->ai_addrlen);
        ((struct sockaddr_in *)&addr)->sin_port = htons((uint16_t)port);
        freeaddrinfo(res);
    }
    uint64_t nonce = hash_str(hash_str(0xcbf29ce484222325ull, job), host) ^ (uint64_t)port;
    return fcoll__comm_create(comm, size, rank, cfg, &addr, nonce);
}

/* Discovery and LFT reads in short-lived child processes.
 *
 * Why: libibnetdisc of rdma-core 44 (Debian 12) leaks about 64 bytes per
 * switch port on every discovery (its port-LID hash; fixed upstream in
 * "ibnetdisc: Fix leak in add_to_portlid_hash"), ~380 KB a sweep on a
 * 1024-host fat tree: a daemon that sweeps every few seconds would grow
 * without bound. And under ibsim, umad2sim frees only one of the agents a
 * closed umad port registered (kernel umad frees all), so every open and
 * close of a two-class SMP port (each discovery, each LFT read) loses one
 * of its 32 agent slots for good: after some 30 of them every MAD port
 * open fails with "client_register for mgmt 129 failed". A process that
 * opens SMP ports once and exits has neither problem.
 *
 * So the daemon never opens an SMP port itself: it runs its own executable
 * again (/proc/self/exe, which works even after the file was replaced on
 * disk) with FABD_MAD_CHILD_ARG and a job:
 *  - "discover": ftopo_discover, the fabric on stdout as the project's JSON
 *    (which ftopo reads back to the same fabric, LIDs and port states
 *    included);
 *  - "lfts": the fabric as JSON on stdin, every switch's LFT read live, the
 *    tables on stdout in OpenSM's dump format (ftopo_routes_read_dump).
 * The child is spawned with exec, not a bare fork: the daemon has threads
 * and, under ibsim, umad2sim's connection state, which a forked copy must
 * not share. It exits 0 with its result on stdout, or 1 with the reason as
 * one line on stdout; warnings go to the inherited stderr. The PMA port for
 * counter polls (one class, kept open) stays in the daemon. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core_int.h"
#include "ftopo/discover.h"
#include "ftopo/io.h"

#define FABD_MAD_CHILD_ARG "--fabd-mad-child"

/* A fabric's JSON is ~2 KB per node: far more than any real fabric. */
#define FABD__CHILD_MAX_OUTPUT (512u << 20)

/* ---- The child ------------------------------------------------------------------ */

/* Warnings only: an error comes back to the daemon as the child's reason
 * and is logged there, once. */
static void child_log(void *user, ftopo_log_level level, const char *message)
{
    if (level != FTOPO_LOG_ERROR)
        fprintf(stderr, "fabricd: warn: %s: %s\n", (const char *)user, message);
}

static bool parse_int(const char *s, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < -1000000000L || v > 1000000000L)
        return false;
    *out = (int)v;
    return true;
}

static ftopo_status child_discover(const ftopo_discover_opts *o, ftopo_diag *d)
{
    ftopo_fabric *fabric = NULL;
    ftopo_status st = ftopo_discover(o, &fabric, d);
    if (st == FTOPO_OK)
        st = ftopo_write_stream(fabric, stdout, FTOPO_FORMAT_JSON, d);
    ftopo_fabric_destroy(fabric);
    return st;
}

static ftopo_status child_lfts(const ftopo_lft_read_opts *o, ftopo_diag *d)
{
    ftopo_fabric *fabric = NULL;
    ftopo_routes *routes = NULL;
    ftopo_routes_opts ro = {.lid_mode = FTOPO_LIDS_FABRIC};
    ftopo_status st = ftopo_read_file("-", FTOPO_FORMAT_JSON, &fabric, d);
    if (st == FTOPO_OK)
        st = ftopo_routes_create(fabric, &ro, &routes, d);
    if (st == FTOPO_OK)
        st = ftopo_routes_read_live(routes, o, d);
    if (st == FTOPO_OK)
        st = ftopo_routes_write_dump(routes, stdout, d);
    ftopo_routes_destroy(routes);
    ftopo_fabric_destroy(fabric);
    return st;
}

int fabd_mad_child_main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], FABD_MAD_CHILD_ARG) != 0)
        return -1;
    int port = 0, timeout = 0, retries = 0, level = 0, parent = 0;
    if (argc != 9 || (strcmp(argv[2], "discover") && strcmp(argv[2], "lfts")) ||
        !parse_int(argv[4], &port) || !parse_int(argv[5], &timeout) ||
        !parse_int(argv[6], &retries) || !parse_int(argv[7], &level) ||
        !parse_int(argv[8], &parent)) {
        printf(
            "MAD child: expected discover|lfts CA PORT TIMEOUT_MS RETRIES LOG_LEVEL PARENT_PID\n");
        return 1;
    }
    /* Die with the daemon, even a daemon killed with SIGKILL: under ibsim
     * a MAD client whose simulator is gone waits for it forever. */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != (pid_t)parent) {
        printf("MAD child: the daemon is gone\n");
        return 1;
    }
    const char *ca = argv[3][0] ? argv[3] : NULL;
    bool discover = !strcmp(argv[2], "discover");
    ftopo_diag d = {.log = child_log,
                    .log_user = (void *)(discover ? "discovery" : "LFT read"),
                    .max_level = level < FTOPO_LOG_WARN ? (ftopo_log_level)level : FTOPO_LOG_WARN};
    ftopo_status st;
    if (discover) {
        ftopo_discover_opts o = {
            .ca_name = ca, .ca_port = port, .timeout_ms = timeout, .retries = retries};
        st = child_discover(&o, &d);
    } else {
        ftopo_lft_read_opts o = {
            .ca_name = ca, .ca_port = port, .timeout_ms = timeout, .retries = retries};
        st = child_lfts(&o, &d);
    }
    /* A result cut short must not look whole: the reason replaces it (the
     * parent reads stdout as the reason when the exit status is 1). */
    if (st != FTOPO_OK || fflush(stdout) != 0) {
        printf("\n%s\n", st != FTOPO_OK ? d.message : strerror(errno));
        return 1;
    }
    return 0; /* exit, not _exit: umad2sim detaches from ibsim in an atexit handler */
}

/* ---- The parent ----------------------------------------------------------------- */

typedef struct child_output {
    char *data;
    size_t len, cap;
} child_output;

static bool output_grow(child_output *out)
{
    if (out->len + 1 < out->cap)
        return true;
    size_t cap = out->cap ? 2 * out->cap : 1u << 20;
    if (cap > FABD__CHILD_MAX_OUTPUT + 1)
        return false;
    char *p = realloc(out->data, cap);
    if (!p)
        return false;
    out->data = p;
    out->cap = cap;
    return true;
}

static ftopo_status spawn_child(const fabd_core_opts *c, const char *job, const char *what,
                                int in_fd, int out_fd, pid_t *pid, ftopo_diag *diag)
{
    char port[16], timeout[16], retries[16], level[16], parent[16];
    snprintf(parent, sizeof(parent), "%d", (int)getpid());
    snprintf(port, sizeof(port), "%d", c->ca_port);
    snprintf(timeout, sizeof(timeout), "%d", c->mad_timeout_ms);
    snprintf(retries, sizeof(retries), "%d", c->mad_retries);
    snprintf(level, sizeof(level), "%d", (int)c->log_level);
    const char *argv[] = {"fabricd-mad", FABD_MAD_CHILD_ARG,
                          job,           c->ca_name ? c->ca_name : "",
                          port,          timeout,
                          retries,       level,
                          parent,        NULL};

    /* The daemon blocks its stop signals in every thread and ignores
     * SIGPIPE; the child must die of them like any program. It holds no
     * descriptor of the daemon but its stdin, stdout and stderr. */
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    sigset_t none, dflt;
    sigemptyset(&none);
    sigemptyset(&dflt);
    sigaddset(&dflt, SIGPIPE);
    sigaddset(&dflt, SIGTERM);
    sigaddset(&dflt, SIGINT);
    sigaddset(&dflt, SIGHUP);
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&attr);
    if (in_fd >= 0)
        posix_spawn_file_actions_adddup2(&fa, in_fd, STDIN_FILENO);
    else
        posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, out_fd, STDOUT_FILENO);
    posix_spawn_file_actions_addclosefrom_np(&fa, STDERR_FILENO + 1);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &dflt);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    extern char **environ;
    int rc = posix_spawn(pid, "/proc/self/exe", &fa, &attr, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    if (rc != 0)
        return fabd__fail(diag, FTOPO_ERR_IO, "cannot start the %s process: %s", what,
                          strerror(rc));
    return FTOPO_OK;
}

static bool stopping(fabd_core *core)
{
    pthread_mutex_lock(&core->lock);
    bool stop = core->stop;
    pthread_mutex_unlock(&core->lock);
    return stop;
}

/* Feeds `input` to the child's stdin (closing it when done) and reads its
 * stdout to the end. Fails (with the reason in diag) on timeout, on the
 * core stopping, on too much output or an I/O error; the caller then
 * kills the child. */
static ftopo_status exchange(fabd_core *core, const char *what, int timeout_ms, int in_fd,
                             const char *input, size_t input_len, int out_fd, child_output *out,
                             ftopo_diag *diag)
{
    double deadline = fabd__mono() + timeout_ms / 1000.0;
    size_t sent = 0;
    for (;;) {
        if (stopping(core))
            return fabd__fail(diag, FTOPO_ERR_STATE, "%s cancelled: the daemon is stopping", what);
        double left = deadline - fabd__mono();
        if (left <= 0)
            return fabd__fail(diag, FTOPO_ERR_TIMEOUT, "the %s process did not finish in %d ms",
                              what, timeout_ms);
        struct pollfd p[2] = {{.fd = out_fd, .events = POLLIN}, {.fd = in_fd, .events = POLLOUT}};
        /* Short waits, so that a stop does not wait for the timeout. */
        int n = poll(p, in_fd >= 0 ? 2 : 1, left < 0.2 ? (int)(left * 1000) + 1 : 200);
        if (n < 0 && errno != EINTR)
            return fabd__fail(diag, FTOPO_ERR_IO, "%s pipe: %s", what, strerror(errno));
        if (n <= 0)
            continue;
        if (in_fd >= 0 && p[1].revents) {
            /* A socket, so that a child gone early gives EPIPE, not SIGPIPE. */
            ssize_t put = send(in_fd, input + sent, input_len - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
            bool gone = put < 0 && (errno == EPIPE || errno == ECONNRESET);
            if (put < 0 && !gone && errno != EAGAIN && errno != EINTR)
                return fabd__fail(diag, FTOPO_ERR_IO, "%s input: %s", what, strerror(errno));
            sent += put > 0 ? (size_t)put : 0;
            /* A child that stopped reading says why on its stdout. */
            if (sent == input_len || gone) {
                shutdown(in_fd, SHUT_WR);
                in_fd = -1;
            }
        }
        if (!p[0].revents)
            continue;
        if (!output_grow(out))
            return fabd__fail(diag, FTOPO_ERR_NOMEM, "%s output over %u MiB or out of memory", what,
                              FABD__CHILD_MAX_OUTPUT >> 20);
        ssize_t got = read(out_fd, out->data + out->len, out->cap - out->len - 1);
        if (got == 0)
            return FTOPO_OK;
        if (got < 0 && errno != EINTR && errno != EAGAIN)
            return fabd__fail(diag, FTOPO_ERR_IO, "%s pipe: %s", what, strerror(errno));
        out->len += got > 0 ? (size_t)got : 0;
    }
}

/* The child's reason: the last non-empty line of its output. */
static const char *reason(child_output *out)
{
    if (!out->data || !out->len)
        return "no reason given";
    out->data[out->len] = '\0'; /* exchange left room for it */
    while (out->len && out->data[out->len - 1] == '\n')
        out->data[--out->len] = '\0';
    char *nl = strrchr(out->data, '\n');
    return nl ? nl + 1 : out->data;
}

/* What the child's exit status says; on success out->data is NUL-terminated. */
static ftopo_status exit_result(const char *what, int status, child_output *out, ftopo_diag *diag)
{
    if (WIFSIGNALED(status))
        return fabd__fail(diag, FTOPO_ERR_IO, "the %s process died of signal %d", what,
                          WTERMSIG(status));
    if (WEXITSTATUS(status) == 1)
        return fabd__fail(diag, FTOPO_ERR_FABRIC, "%s", reason(out));
    if (WEXITSTATUS(status) != 0)
        return fabd__fail(diag, FTOPO_ERR_IO, "the %s process exited with status %d", what,
                          WEXITSTATUS(status));
    if (!output_grow(out))
        return fabd__fail(diag, FTOPO_ERR_NOMEM, "out of memory");
    out->data[out->len] = '\0';
    return FTOPO_OK;
}

/* Runs a MAD child for `job` ("discover" or "lfts") with `input` on its
 * stdin (NULL: none); on success *out has its stdout, NUL-terminated (the
 * caller frees data). */
static ftopo_status run_child(fabd_core *core, const fabd_core_opts *c, const char *job,
                              const char *input, size_t input_len, child_output *out,
                              ftopo_diag *diag)
{
    const char *what = strcmp(job, "discover") ? "LFT read" : "discovery";
    *out = (child_output){0};
    int out_pipe[2], in_sock[2] = {-1, -1};
    if (pipe2(out_pipe, O_CLOEXEC) != 0)
        return fabd__fail(diag, FTOPO_ERR_IO, "%s pipe: %s", what, strerror(errno));
    if (input && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in_sock) != 0) {
        close(out_pipe[0]);
        close(out_pipe[1]);
        return fabd__fail(diag, FTOPO_ERR_IO, "%s socket: %s", what, strerror(errno));
    }
    pid_t pid;
    ftopo_status st = spawn_child(c, job, what, in_sock[1], out_pipe[1], &pid, diag);
    close(out_pipe[1]);
    if (in_sock[1] >= 0)
        close(in_sock[1]);
    if (st == FTOPO_OK) {
        st = exchange(core, what, c->discover_timeout_ms, in_sock[0], input, input_len, out_pipe[0],
                      out, diag);
        /* Under ibsim a killed child keeps its ibsim client slot (ibsim
         * frees one only when the client says goodbye); real HCAs have no
         * such state. */
        if (st != FTOPO_OK)
            kill(pid, SIGKILL);
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
            ;
        if (st == FTOPO_OK)
            st = exit_result(what, status, out, diag);
    }
    close(out_pipe[0]);
    if (in_sock[0] >= 0)
        close(in_sock[0]);
    if (st != FTOPO_OK) {
        free(out->data);
        *out = (child_output){0};
    }
    return st;
}

ftopo_status fabd__discover(fabd_core *core, const fabd_core_opts *c, ftopo_fabric **out,
                            ftopo_diag *diag)
{
    *out = NULL;
    child_output res;
    ftopo_status st = run_child(core, c, "discover", NULL, 0, &res, diag);
    if (st == FTOPO_OK)
        st = ftopo_read_buffer(res.data, res.len, FTOPO_FORMAT_JSON, "discovery output", out, diag);
    free(res.data);
    return st;
}

ftopo_status fabd__read_lfts(fabd_core *core, const fabd_core_opts *c, const ftopo_fabric *fabric,
                             ftopo_routes **out, ftopo_diag *diag)
{
    *out = NULL;
    char *json = NULL;
    size_t json_len = 0;
    FILE *mem = open_memstream(&json, &json_len);
    if (!mem)
        return fabd__fail(diag, FTOPO_ERR_NOMEM, "out of memory");
    ftopo_status st = ftopo_write_stream(fabric, mem, FTOPO_FORMAT_JSON, diag);
    if (fclose(mem) != 0 && st == FTOPO_OK)
        st = fabd__fail(diag, FTOPO_ERR_NOMEM, "out of memory");
    child_output res = {0};
    if (st == FTOPO_OK)
        st = run_child(core, c, "lfts", json, json_len, &res, diag);
    free(json);
    ftopo_routes_opts ro = {.lid_mode = FTOPO_LIDS_FABRIC};
    if (st == FTOPO_OK)
        st = ftopo_routes_create(fabric, &ro, out, diag);
    if (st == FTOPO_OK) {
        FILE *in = fmemopen(res.data, res.len, "r");
        st = in ? ftopo_routes_read_dump(*out, in, "LFT read output", diag)
                : fabd__fail(diag, FTOPO_ERR_NOMEM, "out of memory");
        if (in)
            fclose(in);
    }
    free(res.data);
    if (st != FTOPO_OK) {
        ftopo_routes_destroy(*out);
        *out = NULL;
    }
    return st;
}

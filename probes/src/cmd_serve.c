/* fabprobe serve: answers probe requests, one thread per connection. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cmd.h"
#include "log.h"
#include "net.h"
#include "probe.h"
#include "report.h"

/* At most this many connections are served at once; more are closed. */
#define MAX_ACTIVE 64
/* How often the agent registers again with fabricd: its last-seen time,
 * and a fabricd that restarted without its state learns of it. */
#define REGISTER_EVERY_S 30

struct reporter {
    struct fprobe_fabricd fd;
    const char *agent;
};

static void *reporter_main(void *arg)
{
    const struct reporter *r = arg;
    /* Until the first registration succeeds (fabricd may start after its
     * agents) try again sooner, doubling the wait. */
    for (unsigned wait = 1;;) {
        int ok = fprobe_fabricd_register(&r->fd, r->agent) == 0;
        wait = ok ? REGISTER_EVERY_S : wait * 2 < REGISTER_EVERY_S ? wait * 2 : REGISTER_EVERY_S;
        sleep(wait);
    }
    return NULL;
}

/* The address other agents reach this one at: --advertise, else the
 * listen address unless it is a wildcard (then none: fabricd cannot
 * schedule probes to this host). */
static const char *agent_address(const char *advertise, const char *listen_on)
{
    if (advertise != NULL)
        return advertise;
    if (strncmp(listen_on, "0.0.0.0", 7) == 0 || strncmp(listen_on, "[::]", 4) == 0 ||
        listen_on[0] == ':' || listen_on[0] == '\0') {
        fprobe_log("listening on a wildcard address: give --advertise ADDR[:PORT] so that "
                   "fabricd can schedule probes to this host");
        return "";
    }
    return listen_on;
}

struct conn {
    int fd;
    const struct fprobe_ib_opts *ib;
    atomic_int *active;
};

static void *conn_main(void *arg)
{
    struct conn *c = arg;
    fprobe_serve_conn(c->fd, c->ib);
    atomic_fetch_sub(c->active, 1);
    free(c);
    return NULL;
}

static int parse(int argc, char **argv, const char **listen_on, const char **advertise,
                 struct fprobe_ib_opts *ib)
{
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (v == NULL)
            return -1;
        if (strcmp(argv[i], "--listen") == 0)
            *listen_on = v;
        else if (strcmp(argv[i], "--advertise") == 0)
            *advertise = v;
        else if (strcmp(argv[i], "--dev") == 0)
            ib->dev = v;
        else if (strcmp(argv[i], "--port") == 0)
            ib->port = atoi(v);
        else if (strcmp(argv[i], "--gid-index") == 0)
            ib->gid_index = atoi(v);
        else
            return -1;
        i++;
    }
    return 0;
}

int fprobe_cmd_serve(int argc, char **argv)
{
    const char *listen_on = "0.0.0.0", *advertise = NULL;
    struct fprobe_ib_opts ib = {.port = 1, .gid_index = -1};
    struct reporter rep;
    if (fprobe_fabricd_args(&rep.fd, &argc, argv) != 0 ||
        parse(argc, argv, &listen_on, &advertise, &ib) != 0) {
        fprintf(stderr, "usage: fabprobe serve [--listen ADDR[:PORT]] [--dev DEV] [--port N] "
                        "[--gid-index N]\n"
                        "         [--fabricd URL [--token TOKEN] [--name NAME] "
                        "[--advertise ADDR[:PORT]]]\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    int lfd = fprobe_listen(listen_on);
    if (lfd < 0)
        return 1;
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    rep.agent = agent_address(advertise, listen_on);
    if (rep.fd.url != NULL && pthread_create(&t, &attr, reporter_main, &rep) != 0)
        fprobe_log("cannot start the thread that registers with fabricd");
    atomic_int active = 0;
    for (;;) {
        int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED || errno == EMFILE)
                continue;
            fprobe_log("accept: %s", strerror(errno));
            break;
        }
        struct conn *c = atomic_load(&active) < MAX_ACTIVE ? malloc(sizeof(*c)) : NULL;
        if (c == NULL) {
            close(fd);
            continue;
        }
        *c = (struct conn){.fd = fd, .ib = &ib, .active = &active};
        atomic_fetch_add(&active, 1);
        if (pthread_create(&t, &attr, conn_main, c) != 0) {
            fprobe_log("cannot start a connection thread");
            atomic_fetch_sub(&active, 1);
            close(fd);
            free(c);
        }
    }
    pthread_attr_destroy(&attr);
    close(lfd);
    return 1;
}

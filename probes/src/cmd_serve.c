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

/* At most this many connections are served at once; more are closed. */
#define MAX_ACTIVE 64

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

static int parse(int argc, char **argv, const char **listen_on, struct fprobe_ib_opts *ib)
{
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (v == NULL)
            return -1;
        if (strcmp(argv[i], "--listen") == 0)
            *listen_on = v;
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
    const char *listen_on = "0.0.0.0";
    struct fprobe_ib_opts ib = {.port = 1, .gid_index = -1};
    if (parse(argc, argv, &listen_on, &ib) != 0) {
        fprintf(stderr, "usage: fabprobe serve [--listen ADDR[:PORT]] [--dev DEV] [--port N] "
                        "[--gid-index N]\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    int lfd = fprobe_listen(listen_on);
    if (lfd < 0)
        return 1;
    atomic_int active = 0;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    for (;;) {
        int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED || errno == EMFILE)
                continue;
            fprobe_log("accept: %s", strerror(errno));
            break;
        }
        struct conn *c = atomic_load(&active) < MAX_ACTIVE ? malloc(sizeof(*c)) : NULL;
        pthread_t t;
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

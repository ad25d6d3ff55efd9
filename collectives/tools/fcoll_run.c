/*
 * fcoll-run: start N local ranks of a command with the environment that
 * torchrun sets (RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR,
 * MASTER_PORT), so that anything which initialises from the environment runs
 * unchanged under it, mpirun, srun or torchrun.
 *
 * Every rank runs in its own process group so that a signal reaches the
 * rank's whole process tree; signals sent to fcoll-run are forwarded. When a
 * rank fails, the others are stopped (SIGTERM, then SIGKILL after a grace
 * period), since a collective job cannot finish without all of its ranks.
 * The exit status is the worst rank status, leaving out the SIGTERM/SIGKILL
 * deaths that fcoll-run itself caused: those only echo the first failure.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_RANKS 1024

/* Signals forwarded to the ranks; SIGCHLD is handled, not forwarded. */
static const int forwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};

struct rank {
    pid_t pid;      /* 0 once reaped */
    int code;       /* exit code, 128+signal when killed */
    int stopped_us; /* we sent it SIGTERM because another rank failed */
};

struct job {
    int n;
    struct rank *ranks;
    int alive;
    int stopping;            /* SIGTERM sent because of a failure or a signal */
    struct timespec kill_at; /* when to escalate to SIGKILL */
    double grace_s;
};

static void usage(FILE *f)
{
    fprintf(f, "usage: fcoll-run [-n N] [-a ADDR] [-p PORT] [-g SECS] [--] CMD [ARGS...]\n"
               "  -n N     number of local ranks (default 2)\n"
               "  -a ADDR  MASTER_ADDR (default 127.0.0.1)\n"
               "  -p PORT  MASTER_PORT (default: a free port)\n"
               "  -g SECS  grace between SIGTERM and SIGKILL when stopping ranks (default 3)\n"
               "exit status: the worst rank status (128+N for a rank killed by signal N)\n");
}

/* Ask the kernel for an unused port. The port is free when we return; the
 * job binds it moments later, the same small race torchrun accepts. */
static int free_port(const char *addr)
{
    struct sockaddr_in sa = {.sin_family = AF_INET};
    socklen_t len = sizeof(sa);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int port = -1;

    if (fd < 0)
        return -1;
    if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1)
        sa.sin_addr.s_addr = htonl(INADDR_ANY);
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
        getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
        port = ntohs(sa.sin_port);
    close(fd);
    return port;
}

static void setenv_int(const char *name, long v)
{
    char buf[32];
    snprintf(buf, sizeof(buf), "%ld", v);
    setenv(name, buf, 1);
}

static void signal_all(struct job *job, int sig)
{
    for (int i = 0; i < job->n; i++)
        if (job->ranks[i].pid > 0)
            kill(-job->ranks[i].pid, sig);
}

/* Ranks still running when the grace period ends get SIGKILL. */
static void arm_kill_timer(struct job *job)
{
    long ns = (long)(job->grace_s * 1e9);

    job->stopping = 1;
    clock_gettime(CLOCK_MONOTONIC, &job->kill_at);
    job->kill_at.tv_sec +=
        ns / 1000000000L + (job->kill_at.tv_nsec + ns % 1000000000L) / 1000000000L;
    job->kill_at.tv_nsec = (job->kill_at.tv_nsec + ns % 1000000000L) % 1000000000L;
}

/* One rank failed: the rest cannot finish. */
static void stop_all(struct job *job)
{
    if (job->stopping)
        return;
    for (int i = 0; i < job->n; i++)
        if (job->ranks[i].pid > 0)
            job->ranks[i].stopped_us = 1;
    signal_all(job, SIGTERM);
    arm_kill_timer(job);
}

static int status_code(int status)
{
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return 1;
}

static void reap(struct job *job)
{
    int status;
    pid_t pid;

    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        for (int i = 0; i < job->n; i++) {
            struct rank *r = &job->ranks[i];
            if (r->pid != pid)
                continue;
            r->pid = 0;
            r->code = status_code(status);
            job->alive--;
            if (r->code != 0 && !job->stopping) {
                fprintf(stderr, "fcoll-run: rank %d exited with status %d%s\n", i, r->code,
                        job->alive ? ", stopping the others" : "");
                stop_all(job);
            }
        }
    }
}

static pid_t spawn(int rank, char **argv, const sigset_t *orig_mask)
{
    pid_t pid = fork();

    if (pid != 0)
        return pid;
    setpgid(0, 0);
    for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
        signal(forwarded[i], SIG_DFL);
    sigprocmask(SIG_SETMASK, orig_mask, NULL);
    setenv_int("RANK", rank);
    setenv_int("LOCAL_RANK", rank);
    execvp(argv[0], argv);
    fprintf(stderr, "fcoll-run: cannot run %s: %s\n", argv[0], strerror(errno));
    _exit(127);
}

/* Wait for the ranks, forwarding signals, until all of them have ended. */
static void supervise(struct job *job, const sigset_t *mask)
{
    while (job->alive > 0) {
        struct timespec timeout = {.tv_sec = 1};
        siginfo_t info;
        int sig;

        if (job->stopping) {
            struct timespec now;
            clock_gettime(CLOCK_MONOTONIC, &now);
            if (now.tv_sec > job->kill_at.tv_sec ||
                (now.tv_sec == job->kill_at.tv_sec && now.tv_nsec >= job->kill_at.tv_nsec)) {
                signal_all(job, SIGKILL);
            }
        }
        sig = sigtimedwait(mask, &info, &timeout);
        if (sig == SIGCHLD || sig < 0) {
            reap(job);
        } else {
            /* A signal the user sent to the job: every rank's status counts. */
            signal_all(job, sig);
            if (sig != SIGUSR1 && sig != SIGUSR2 && !job->stopping)
                arm_kill_timer(job);
        }
    }
}

int main(int argc, char **argv)
{
    const char *addr = "127.0.0.1";
    long n = 2, port = 0;
    double grace = 3.0;
    struct job job = {0};
    sigset_t mask, orig_mask;
    int opt, worst = 0;

    while ((opt = getopt(argc, argv, "+n:a:p:g:h")) != -1) {
        switch (opt) {
        case 'n':
            n = strtol(optarg, NULL, 10);
            break;
        case 'a':
            addr = optarg;
            break;
        case 'p':
            port = strtol(optarg, NULL, 10);
            break;
        case 'g':
            grace = strtod(optarg, NULL);
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind >= argc || n < 1 || n > MAX_RANKS || port < 0 || port > 65535 || grace < 0) {
        usage(stderr);
        return 2;
    }
    if (port == 0 && (port = free_port(addr)) < 0) {
        fprintf(stderr, "fcoll-run: no free port on %s: %s\n", addr, strerror(errno));
        return 1;
    }

    setenv_int("WORLD_SIZE", n);
    setenv_int("LOCAL_WORLD_SIZE", n);
    setenv("MASTER_ADDR", addr, 1);
    setenv_int("MASTER_PORT", port);

    /* Block the signals before forking so none is lost between fork and
     * the wait loop; the children restore the original mask before exec. */
    sigemptyset(&mask);
    sigaddset(&mask, SIGCHLD);
    for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
        sigaddset(&mask, forwarded[i]);
    sigprocmask(SIG_BLOCK, &mask, &orig_mask);

    job.n = (int)n;
    job.grace_s = grace;
    job.ranks = calloc((size_t)n, sizeof(*job.ranks));
    if (!job.ranks) {
        fprintf(stderr, "fcoll-run: out of memory\n");
        return 1;
    }
    for (int i = 0; i < job.n; i++) {
        job.ranks[i].pid = spawn(i, argv + optind, &orig_mask);
        if (job.ranks[i].pid < 0) {
            fprintf(stderr, "fcoll-run: fork: %s\n", strerror(errno));
            job.ranks[i].pid = 0;
            worst = 1;
            stop_all(&job);
            break;
        }
        /* Also set the group here: a signal may come before the child runs. */
        setpgid(job.ranks[i].pid, job.ranks[i].pid);
        job.alive++;
    }
    supervise(&job, &mask);

    for (int i = 0; i < job.n; i++) {
        const struct rank *r = &job.ranks[i];
        if (r->stopped_us && (r->code == 128 + SIGTERM || r->code == 128 + SIGKILL))
            continue;
        if (r->code > worst)
            worst = r->code;
    }
    free(job.ranks);
    return worst;
}

/* Non-blocking operations: a progress thread per communicator, started on
 * first use, runs queued operations one after the other. Blocking calls
 * wait until the queue is empty and then run on the caller's thread, so
 * every rank sees operations in program order and small blocking calls pay
 * no thread hand-off. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "worker.h"

struct fcoll_request {
    fcoll__req_args_t args;
    fcoll_comm_t *comm;
    fcoll_status_t status;
    int done;
    struct fcoll_request *next;
};

struct fcoll__worker {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t thread;
    fcoll_request_t *head, *tail;
    int busy; /* an operation is running (worker or caller) */
    int stop;
};

static fcoll_status_t run(fcoll_comm_t *c, const fcoll__req_args_t *a)
{
    return a->kind == FCOLL__OP_GROUP ? fcoll__group_run(c) : fcoll__execute(c, a);
}

static void *worker_main(void *arg)
{
    fcoll_comm_t *c = arg;
    fcoll__worker_t *w = c->worker;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (w->head == NULL && !w->stop)
            pthread_cond_wait(&w->cv, &w->mu);
        if (w->head == NULL)
            break;
        fcoll_request_t *r = w->head;
        w->head = r->next;
        if (w->head == NULL)
            w->tail = NULL;
        w->busy = 1;
        pthread_mutex_unlock(&w->mu);
        fcoll_status_t st = run(c, &r->args);
        pthread_mutex_lock(&w->mu);
        r->status = st;
        r->done = 1;
        w->busy = 0;
        pthread_cond_broadcast(&w->cv);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

static fcoll_status_t worker_start(fcoll_comm_t *c)
{
    fcoll__worker_t *w = calloc(1, sizeof(*w));
    if (w == NULL)
        return FCOLL_ERR_NO_MEMORY;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    c->worker = w;
    int e = pthread_create(&w->thread, NULL, worker_main, c);
    if (e != 0) {
        FCOLL__ERR(&c->opts.log, "pthread_create: %s", strerror(e));
        pthread_mutex_destroy(&w->mu);
        pthread_cond_destroy(&w->cv);
        free(w);
        c->worker = NULL;
        return FCOLL_ERR_SYSTEM;
    }
    return FCOLL_OK;
}

fcoll_status_t fcoll__worker_post(fcoll_comm_t *c, const fcoll__req_args_t *a,
                                  fcoll_request_t **req)
{
    if (c->worker == NULL) {
        fcoll_status_t st = worker_start(c);
        if (st != FCOLL_OK)
            return st;
    }
    fcoll_request_t *r = calloc(1, sizeof(*r));
    if (r == NULL)
        return FCOLL_ERR_NO_MEMORY;
    r->args = *a;
    r->comm = c;
    fcoll__worker_t *w = c->worker;
    pthread_mutex_lock(&w->mu);
    if (w->tail != NULL)
        w->tail->next = r;
    else
        w->head = r;
    w->tail = r;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    *req = r;
    return FCOLL_OK;
}

fcoll_status_t fcoll__worker_run_sync(fcoll_comm_t *c, const fcoll__req_args_t *a)
{
    fcoll__worker_t *w = c->worker;
    if (w == NULL)
        return run(c, a);
    pthread_mutex_lock(&w->mu);
    while (w->head != NULL || w->busy)
        pthread_cond_wait(&w->cv, &w->mu);
    w->busy = 1;
    pthread_mutex_unlock(&w->mu);
    fcoll_status_t st = run(c, a);
    pthread_mutex_lock(&w->mu);
    w->busy = 0;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    return st;
}

void fcoll__worker_stop(fcoll_comm_t *c)
{
    fcoll__worker_t *w = c->worker;
    if (w == NULL)
        return;
    pthread_mutex_lock(&w->mu);
    w->stop = 1;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    free(w);
    c->worker = NULL;
}

static fcoll_status_t finish(fcoll_request_t **req)
{
    fcoll_status_t st = (*req)->status;
    free(*req);
    *req = NULL;
    return st;
}

fcoll_status_t fcoll_test(fcoll_request_t **req, int *done)
{
    if (req == NULL || *req == NULL || done == NULL)
        return FCOLL_ERR_NULL_POINTER;
    fcoll__worker_t *w = (*req)->comm->worker;
    pthread_mutex_lock(&w->mu);
    *done = (*req)->done;
    pthread_mutex_unlock(&w->mu);
    return *done ? finish(req) : FCOLL_OK;
}

fcoll_status_t fcoll_wait(fcoll_request_t **req)
{
    if (req == NULL || *req == NULL)
        return FCOLL_ERR_NULL_POINTER;
    fcoll__worker_t *w = (*req)->comm->worker;
    pthread_mutex_lock(&w->mu);
    while (!(*req)->done)
        pthread_cond_wait(&w->cv, &w->mu);
    pthread_mutex_unlock(&w->mu);
    return finish(req);
}

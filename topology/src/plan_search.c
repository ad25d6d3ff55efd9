/* Local search on one channel's ring: or-opt (move a run of hosts
 * elsewhere), swaps and 2-opt (reverse a segment), aimed at the ring edges
 * that cross a most loaded link, each move scored incrementally from the
 * paths of the edges it removes and adds (three or four; a reversal also
 * turns its inside edges round).
 *
 * The objective is lexicographic: the max load M over directed links, then
 * how many links carry M, then total hops. A move is taken when it lowers
 * the count at M (M itself drops when the count reaches 0) or keeps it and
 * saves hops; a move that pushes any link above M is never taken. Of the
 * moves tried for one critical edge the best is applied. */
#include <stdlib.h>
#include <string.h>

#include "plan_int.h"

/* Insert positions tried per segment when the ring is larger (sampled). */
#define ALL_POSITIONS_UP_TO 1024
#define SAMPLED_POSITIONS   512
/* Kicks out of local optima before giving up above the bound. */
#define MAX_KICKS 32
/* Longest segment a 2-opt move reverses (its cost grows with the length). */
#define MAX_REVERSE 64

typedef struct search {
    ftopo__plan_ctx *c;
    size_t n;
    int32_t *order; /* endpoint at each position */
    int32_t *tmp;
    double max;    /* M */
    size_t at_max; /* directed links carrying M */
    size_t hops;
    /* Directed links touched by the move being scored and their change. */
    uint32_t *stamp; /* per directed link: epoch it was last touched */
    uint32_t *slot;  /* its index in touched */
    uint32_t epoch;
    ftopo_dlink_id *touched;
    int *delta;
    size_t num_touched, cap_touched;
    int32_t (*rm)[2], (*add)[2]; /* edges of a reversal, MAX_REVERSE + 1 */
    uint64_t rng;
} search;

typedef enum move_kind { MOVE_SEGMENT = 0, MOVE_SWAP, MOVE_REVERSE } move_kind;

typedef struct move {
    move_kind kind;
    /* segment: [a, a+len) goes after position p; swap: positions a and p;
     * reverse: [a, a+len) is reversed in place. */
    size_t a, len, p;
    size_t at_max, hops;
} move;

static int32_t at(const search *s, size_t i)
{
    return s->order[i % s->n];
}

static uint64_t next_rand(search *s)
{
    s->rng ^= s->rng << 13;
    s->rng ^= s->rng >> 7;
    s->rng ^= s->rng << 17;
    return s->rng;
}

static void rescan_max(search *s)
{
    const ftopo__plan_ctx *c = s->c;
    s->max = 0;
    s->at_max = 0;
    for (size_t d = 0; d < c->num_dlinks; d++) {
        double v = ftopo__plan_value(c, (ftopo_dlink_id)d, c->flows[d]);
        if (v == 0)
            continue;
        if (ftopo__plan_eq(v, s->max)) {
            s->at_max++;
        } else if (v > s->max) {
            s->max = v;
            s->at_max = 1;
        }
    }
}

static bool touch(search *s, ftopo_dlink_id d, int df)
{
    if (s->stamp[d] != s->epoch) {
        if (s->num_touched == s->cap_touched) {
            size_t cap = s->cap_touched * 2;
            ftopo_dlink_id *t = realloc(s->touched, cap * sizeof(*t));
            if (t)
                s->touched = t;
            int *dl = realloc(s->delta, cap * sizeof(*dl));
            if (dl)
                s->delta = dl;
            if (!t || !dl)
                return false;
            s->cap_touched = cap;
        }
        s->stamp[d] = s->epoch;
        s->slot[d] = (uint32_t)s->num_touched;
        s->touched[s->num_touched] = d;
        s->delta[s->num_touched++] = 0;
    }
    s->delta[s->slot[d]] += df;
    return true;
}

/* Scores replacing edges rm[] by add[] (endpoint pairs). False when a flow
 * would not be delivered or a link would exceed M. */
static bool score(search *s, const int32_t (*rm)[2], int nrm, const int32_t (*add)[2], int nadd,
                  move *m)
{
    ftopo_dlink_id buf[FTOPO_MAX_PATH_HOPS];
    if (++s->epoch == 0) {
        memset(s->stamp, 0, s->c->num_dlinks * sizeof(*s->stamp));
        s->epoch = 1;
    }
    s->num_touched = 0;
    long dh = 0;
    for (int e = 0; e < nrm + nadd; e++) {
        bool adding = e >= nrm;
        const int32_t *edge = adding ? add[e - nrm] : rm[e];
        int len = ftopo__plan_path(s->c, (size_t)edge[0], (size_t)edge[1], buf);
        if (len < 0) {
            if (adding)
                return false;
            continue; /* a lost flow of the current ring loads nothing */
        }
        dh += adding ? len : -len;
        for (int k = 0; k < len; k++)
            if (!touch(s, buf[k], adding ? 1 : -1))
                return false;
    }
    size_t count = s->at_max;
    for (size_t i = 0; i < s->num_touched; i++) {
        if (s->delta[i] == 0)
            continue;
        ftopo_dlink_id d = s->touched[i];
        uint32_t f0 = s->c->flows[d];
        double v0 = ftopo__plan_value(s->c, d, f0);
        double v1 = ftopo__plan_value(s->c, d, (uint32_t)((int64_t)f0 + s->delta[i]));
        if (ftopo__plan_gt(v1, s->max))
            return false;
        bool at0 = ftopo__plan_eq(v0, s->max), at1 = ftopo__plan_eq(v1, s->max);
        if (at0 && !at1)
            count--;
        else if (!at0 && at1)
            count++;
    }
    m->at_max = count;
    m->hops = (size_t)((long)s->hops + dh);
    return true;
}

static bool better(const move *m, size_t at_max, size_t hops)
{
    return m->at_max < at_max || (m->at_max == at_max && m->hops < hops);
}

/* Moving positions [a, a+len) to after position p. */
static bool score_segment(search *s, move *m)
{
    size_t n = s->n, a = m->a, last = a + m->len - 1, prev = a + n - 1, next = a + m->len;
    int32_t rm[3][2] = {
        {at(s, prev), at(s, a)}, {at(s, last), at(s, next)}, {at(s, m->p), at(s, m->p + 1)}};
    int32_t add[3][2] = {
        {at(s, prev), at(s, next)}, {at(s, m->p), at(s, a)}, {at(s, last), at(s, m->p + 1)}};
    return score(s, (const int32_t(*)[2])rm, 3, (const int32_t(*)[2])add, 3, m);
}

/* Swapping positions a and p, which are not neighbours. */
static bool score_swap(search *s, move *m)
{
    size_t n = s->n, i = m->a, j = m->p;
    int32_t rm[4][2] = {{at(s, i + n - 1), at(s, i)},
                        {at(s, i), at(s, i + 1)},
                        {at(s, j + n - 1), at(s, j)},
                        {at(s, j), at(s, j + 1)}};
    int32_t add[4][2] = {{at(s, i + n - 1), at(s, j)},
                         {at(s, j), at(s, i + 1)},
                         {at(s, j + n - 1), at(s, i)},
                         {at(s, i), at(s, j + 1)}};
    return score(s, (const int32_t(*)[2])rm, 4, (const int32_t(*)[2])add, 4, m);
}

/* Reversing positions [a, a+len): the edges around and inside the
 * segment all change (inside ones run the other way). */
static bool score_reverse(search *s, move *m)
{
    /* Unwrapped positions (at() takes them mod n). */
    size_t a = m->a + s->n, prev = a - 1, last = a + m->len - 1, next = a + m->len;
    int k = 0;
    for (size_t q = prev; q <= last; q++, k++) {
        /* Old edge q -> q+1; new edges: prev -> last, then each inside
         * edge turned round, then a -> next. */
        s->rm[k][0] = at(s, q);
        s->rm[k][1] = at(s, q + 1);
        s->add[k][0] = q == prev ? at(s, prev) : at(s, q + 1);
        s->add[k][1] = q == prev ? at(s, last) : at(s, q);
        if (q == last) {
            s->add[k][0] = at(s, a);
            s->add[k][1] = at(s, next);
        }
    }
    return score(s, (const int32_t(*)[2])s->rm, k, (const int32_t(*)[2])s->add, k, m);
}

/* Applies a scored move to the order and the flows. */
static void apply(search *s, const move *m)
{
    size_t n = s->n;
    int32_t *old = s->tmp;
    memcpy(old, s->order, n * sizeof(*old));
    ftopo__plan_ring_flows(s->c, s->order, -1);
    if (m->kind == MOVE_SWAP) {
        s->order[m->a] = old[m->p];
        s->order[m->p] = old[m->a];
    } else if (m->kind == MOVE_REVERSE) {
        for (size_t j = 0; j < m->len; j++)
            s->order[(m->a + j) % n] = old[(m->a + m->len - 1 - j) % n];
    } else {
        /* New ring: from the segment's successor round to p, the segment,
         * then on from p + 1 back to the segment's predecessor. */
        size_t k = 0, i = (m->a + m->len) % n;
        size_t stop = (m->p + 1) % n;
        while (i != stop) {
            s->order[k++] = old[i];
            i = (i + 1) % n;
        }
        for (size_t j = 0; j < m->len; j++)
            s->order[k++] = old[(m->a + j) % n];
        while (i != m->a) {
            s->order[k++] = old[i];
            i = (i + 1) % n;
        }
    }
    ftopo__plan_ring_flows(s->c, s->order, +1);
    s->hops = m->hops;
    if (m->at_max == 0)
        rescan_max(s);
    else
        s->at_max = m->at_max;
}

/* Whether the edge from position i crosses a link carrying M. */
static bool critical(const search *s, size_t i)
{
    ftopo_dlink_id buf[FTOPO_MAX_PATH_HOPS];
    int len = ftopo__plan_path(s->c, (size_t)at(s, i), (size_t)at(s, i + 1), buf);
    if (len < 0)
        return isinf(s->max);
    for (int k = 0; k < len; k++)
        if (ftopo__plan_eq(ftopo__plan_value(s->c, buf[k], s->c->flows[buf[k]]), s->max))
            return true;
    return false;
}

/* Insert position number k of a segment (all of them, or a sample). */
static size_t position(search *s, size_t k)
{
    return s->n <= ALL_POSITIONS_UP_TO ? k : (size_t)(next_rand(s) % s->n);
}

static void try_segment(search *s, size_t a, size_t len, move *best)
{
    size_t n = s->n;
    if (len + 2 > n)
        return;
    size_t tries = n <= ALL_POSITIONS_UP_TO ? n : SAMPLED_POSITIONS;
    for (size_t k = 0; k < tries; k++) {
        size_t p = position(s, k);
        /* p must lie outside the segment and not be its predecessor. */
        size_t off = (p + n - a) % n;
        if (off < len || off == n - 1)
            continue;
        move m = {.kind = MOVE_SEGMENT, .a = a, .len = len, .p = p};
        if (score_segment(s, &m) && better(&m, best->at_max, best->hops))
            *best = m;
    }
}

static void try_swaps(search *s, size_t i, move *best)
{
    size_t n = s->n;
    size_t tries = n <= ALL_POSITIONS_UP_TO ? n : SAMPLED_POSITIONS;
    for (size_t k = 0; k < tries; k++) {
        size_t j = position(s, k);
        size_t off = (j + n - i) % n;
        if (off <= 1 || off == n - 1)
            continue;
        move m = {.kind = MOVE_SWAP, .a = i < j ? i : j, .p = i < j ? j : i};
        if (score_swap(s, &m) && better(&m, best->at_max, best->hops))
            *best = m;
    }
}

/* Reversals (2-opt) of segments that start right after position i or
 * end at it, up to MAX_REVERSE long: the move a torus ring needs to turn
 * round a congested link. */
static void try_reverse(search *s, size_t i, move *best)
{
    size_t n = s->n, most = n - 2 < MAX_REVERSE ? n - 2 : MAX_REVERSE;
    for (size_t len = 2; len <= most; len++) {
        move after = {.kind = MOVE_REVERSE, .a = (i + 1) % n, .len = len};
        if (score_reverse(s, &after) && better(&after, best->at_max, best->hops))
            *best = after;
        move ending = {.kind = MOVE_REVERSE, .a = (i + n + 1 - len) % n, .len = len};
        if (score_reverse(s, &ending) && better(&ending, best->at_max, best->hops))
            *best = ending;
    }
}

/* Length of the run of endpoints on the same switch as position i, going
 * forward (dir 1) or backward (dir -1), capped at n - 2. */
static size_t run_length(const search *s, size_t i, int dir)
{
    size_t n = s->n, len = 1;
    ftopo_node_id sw = s->c->sw[at(s, i)];
    while (len + 2 < n && s->c->sw[at(s, i + n + (size_t)((long)dir * (long)len))] == sw)
        len++;
    return len;
}

/* Tries every move around the critical edge from position i; applies the
 * best when it improves. */
static bool improve_edge(search *s, size_t i)
{
    size_t n = s->n;
    move best = {.at_max = s->at_max, .hops = s->hops};
    size_t j = (i + 1) % n;
    try_segment(s, j, 1, &best);
    try_segment(s, i, 1, &best);
    size_t fw = run_length(s, j, 1), bw = run_length(s, i, -1);
    if (fw > 1)
        try_segment(s, j, fw, &best);
    if (bw > 1)
        try_segment(s, (i + n + 1 - bw) % n, bw, &best);
    try_swaps(s, j, &best);
    try_swaps(s, i, &best);
    try_reverse(s, i, &best);
    if (!better(&best, s->at_max, s->hops))
        return false;
    apply(s, &best);
    return true;
}

/* A random move of one host from a critical edge to anywhere it does not
 * push a link above M, taken even when it adds links at M: the way out of
 * a local optimum. False when none of a few tries qualifies. */
static bool kick(search *s)
{
    size_t n = s->n;
    for (int t = 0; t < 64; t++) {
        size_t i = (size_t)(next_rand(s) % n);
        if (!critical(s, i))
            continue;
        move m = {
            .kind = MOVE_SEGMENT, .a = (i + 1) % n, .len = 1, .p = (size_t)(next_rand(s) % n)};
        size_t off = (m.p + n - m.a) % n;
        if (off < 1 || off == n - 1 || !score_segment(s, &m))
            continue;
        apply(s, &m);
        return true;
    }
    return false;
}

typedef struct snapshot {
    int32_t *order;
    double max;
    size_t at_max, hops;
} snapshot;

/* Whether objective (m1, c1, h1) is better than (m2, c2, h2). */
static bool before(double m1, size_t c1, size_t h1, double m2, size_t c2, size_t h2)
{
    if (!ftopo__plan_eq(m1, m2))
        return m1 < m2;
    return c1 < c2 || (c1 == c2 && h1 < h2);
}

/* One descent: improving moves until none is left or the bound is met. */
static size_t descend(search *s, double bound, size_t budget)
{
    size_t moves = 0;
    while (moves < budget && ftopo__plan_gt(s->max, bound)) {
        bool moved = false;
        /* A random start, so that one stubborn edge does not take every
         * pass. */
        size_t start = (size_t)(next_rand(s) % s->n);
        for (size_t k = 0; k < s->n && !moved; k++) {
            size_t i = (start + k) % s->n;
            if (critical(s, i))
                moved = improve_edge(s, i);
        }
        if (!moved)
            break;
        moves++;
    }
    return moves;
}

/* Iterated local search: descend; while above the bound, kick and descend
 * again, keeping the best ring seen. */
static size_t iterate(search *s, double bound, size_t max_moves)
{
    snapshot best = {.order = malloc(s->n * sizeof(int32_t))};
    size_t moves = descend(s, bound, max_moves);
    if (!best.order)
        return moves;
    bool kept = false;
    for (int k = 0; k < MAX_KICKS && moves < max_moves && ftopo__plan_gt(s->max, bound); k++) {
        if (!kept || before(s->max, s->at_max, s->hops, best.max, best.at_max, best.hops)) {
            memcpy(best.order, s->order, s->n * sizeof(int32_t));
            best.max = s->max;
            best.at_max = s->at_max;
            best.hops = s->hops;
            kept = true;
        }
        if (!kick(s))
            break;
        moves += 1 + descend(s, bound, max_moves - moves);
    }
    if (kept && before(best.max, best.at_max, best.hops, s->max, s->at_max, s->hops)) {
        ftopo__plan_ring_flows(s->c, s->order, -1);
        memcpy(s->order, best.order, s->n * sizeof(int32_t));
        ftopo__plan_ring_flows(s->c, s->order, +1);
        s->hops = best.hops;
        rescan_max(s);
    }
    free(best.order);
    return moves;
}

size_t ftopo__plan_search(ftopo__plan_ctx *c, int32_t *order, double bound, size_t max_moves)
{
    size_t n = c->n;
    if (n < 3)
        return 0;
    search s = {.c = c, .n = n, .order = order, .rng = 0x9E3779B97F4A7C15ULL ^ n};
    s.tmp = malloc(n * sizeof(*s.tmp));
    s.stamp = calloc(c->num_dlinks, sizeof(*s.stamp));
    s.slot = malloc(c->num_dlinks * sizeof(*s.slot));
    s.cap_touched = 256;
    s.touched = malloc(s.cap_touched * sizeof(*s.touched));
    s.delta = malloc(s.cap_touched * sizeof(*s.delta));
    s.rm = malloc((MAX_REVERSE + 1) * sizeof(*s.rm));
    s.add = malloc((MAX_REVERSE + 1) * sizeof(*s.add));
    size_t moves = 0;
    if (s.tmp && s.stamp && s.slot && s.touched && s.delta && s.rm && s.add) {
        /* The ring's flows are in c->flows already: recount its hops. */
        ftopo__plan_ring_flows(c, order, -1);
        s.hops = ftopo__plan_ring_flows(c, order, +1);
        rescan_max(&s);
        moves = iterate(&s, bound, max_moves);
    }
    free(s.tmp);
    free(s.stamp);
    free(s.slot);
    free(s.touched);
    free(s.delta);
    free(s.rm);
    free(s.add);
    return moves;
}

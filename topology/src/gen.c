/* Synthetic fabrics: 2- and 3-level fat trees, rail-optimized clusters and
 * 2D tori, cabled the way a real cabling plan does it (hosts on a leaf's low
 * ports, uplinks above them, a spine's down ports in leaf order), optionally
 * degraded and with shuffled host names.
 *
 * The generator first lays out every node and plans every cable, then
 * removes the degraded links, then builds the fabric through the public
 * builder. GUIDs are a function of the node's role and index, so a
 * generated fabric is the same for the same parameters and seed. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

#define SWITCH_GUID_BASE 0x0002c9fe00000000ULL
#define CA_GUID_BASE     0x0002c90300000000ULL
#define HOST_GUID_BASE   0x0002c90400000000ULL
#define MAX_UNICAST_LID  0xbfff
#define MAX_HOSTS        10000000
#define MAX_HCAS         16

typedef struct cable {
    int32_t a, b; /* node ids */
    uint8_t pa, pb;
} cable;

typedef struct gen {
    const ftopo_gen_params *p;
    ftopo_diag *diag;
    ftopo_fabric *f;
    int radix, hcas;
    int down, up; /* a leaf's host ports and uplinks */
    ftopo_link_width width;
    ftopo_link_speed speed;
    int32_t num_switches; /* switches are node ids 0 .. num_switches-1 */
    int32_t first_ca;     /* host h's HCA k is node first_ca + h * hcas + k */
    int *host_number;     /* host (cabling order) -> number in its name */
    int name_digits;
    uint16_t next_lid; /* 0: too many nodes for unicast LIDs, leave them unset */
    cable *cables;
    size_t num_cables, cap_cables;
    uint64_t rng;
} gen;

/* splitmix64: small, seedable, and the same on every platform. */
static uint64_t next_random(gen *g)
{
    uint64_t z = (g->rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static size_t random_below(gen *g, size_t n)
{
    return (size_t)(next_random(g) % n);
}

static int digits(long n)
{
    int d = 1;
    while (n >= 10) {
        n /= 10;
        d++;
    }
    return d;
}

static ftopo_status add_switch(gen *g, const char *role, int index, int role_count)
{
    char desc[64];
    int width = digits(role_count) > 2 ? digits(role_count) : 2;
    if (snprintf(desc, sizeof(desc), "%s%0*d", role, width, index + 1) >= (int)sizeof(desc))
        return ftopo__fail(g->diag, FTOPO_ERR_ARG, "switch name too long");
    ftopo_node_spec spec = {.type = FTOPO_NODE_SWITCH,
                            .node_guid = SWITCH_GUID_BASE + (uint64_t)g->num_switches + 1,
                            .desc = desc,
                            .num_ports = g->radix,
                            .lid = g->next_lid ? g->next_lid++ : 0};
    ftopo_node_id id;
    ftopo_status st = ftopo_fabric_add_node(g->f, &spec, &id);
    if (st != FTOPO_OK)
        return ftopo__fail(g->diag, st, "adding %s: %s", desc, ftopo_strerror(st));
    g->num_switches++;
    return FTOPO_OK;
}

static ftopo_status add_switches(gen *g, const char *role, int count)
{
    for (int i = 0; i < count; i++) {
        ftopo_status st = add_switch(g, role, i, count);
        if (st != FTOPO_OK)
            return st;
    }
    return FTOPO_OK;
}

/* Every host's HCAs, one port each, after all switches. */
static ftopo_status add_hosts(gen *g)
{
    const char *prefix = g->p->host_prefix ? g->p->host_prefix : "node";
    g->first_ca = g->num_switches;
    for (int h = 0; h < g->p->hosts; h++) {
        for (int k = 0; k < g->hcas; k++) {
            char desc[128];
            snprintf(desc, sizeof(desc), "%s%0*d HCA-%d", prefix, g->name_digits, g->host_number[h],
                     k + 1);
            uint64_t guid = CA_GUID_BASE + ((uint64_t)h * MAX_HCAS + (uint64_t)k + 1) * 2;
            ftopo_node_spec spec = {.type = FTOPO_NODE_CA,
                                    .node_guid = guid,
                                    .sysimg_guid = HOST_GUID_BASE + (uint64_t)h + 1,
                                    .desc = desc,
                                    .num_ports = 1};
            ftopo_node_id id;
            ftopo_status st = ftopo_fabric_add_node(g->f, &spec, &id);
            ftopo_port_spec port = {.port_guid = guid + 1,
                                    .lid = g->next_lid ? g->next_lid++ : 0,
                                    .state = FTOPO_PORT_ACTIVE,
                                    .width = g->width,
                                    .speed = g->speed};
            if (st == FTOPO_OK)
                st = ftopo_fabric_set_port(g->f, id, 1, &port);
            if (st != FTOPO_OK)
                return ftopo__fail(g->diag, st, "adding %s: %s", desc, ftopo_strerror(st));
        }
    }
    return FTOPO_OK;
}

static ftopo_status plan(gen *g, int32_t a, int pa, int32_t b, int pb)
{
    if (g->num_cables == g->cap_cables) {
        size_t cap = g->cap_cables ? g->cap_cables * 2 : 1024;
        cable *c = realloc(g->cables, cap * sizeof(*c));
        if (!c)
            return ftopo__fail(g->diag, FTOPO_ERR_NOMEM, "out of memory");
        g->cables = c;
        g->cap_cables = cap;
    }
    g->cables[g->num_cables++] = (cable){a, b, (uint8_t)pa, (uint8_t)pb};
    return FTOPO_OK;
}

static int32_t hca_node(const gen *g, int host, int hca)
{
    return g->first_ca + (int32_t)host * g->hcas + hca;
}

/* The largest number of parallel cables between one lower and one upper
 * switch (a divisor of `up`) that lets `lower` switches fit on one upper
 * switch's ports; 0 when even one cable each does not fit. */
static int parallel_cables(int up, int lower, int radix)
{
    for (int par = up; par >= 1; par--)
        if (up % par == 0 && (long)par * lower <= radix)
            return par;
    return 0;
}

/* Cables `lower` switches (ids lo, lo+1, ...) with `up` uplinks each,
 * starting at port up_port, to up/par upper switches (ids hi, ...): uplink j
 * goes to upper j % uppers, whose down ports take lower switches in order. */
static ftopo_status cable_up(gen *g, int32_t lo, int lower, int up_port, int up, int32_t hi,
                             int par)
{
    int uppers = up / par;
    for (int i = 0; i < lower; i++) {
        for (int j = 0; j < up; j++) {
            int upper_port = i * par + j / uppers + 1;
            ftopo_status st = plan(g, lo + i, up_port + j, hi + j % uppers, upper_port);
            if (st != FTOPO_OK)
                return st;
        }
    }
    return FTOPO_OK;
}

static ftopo_status too_big(gen *g, const char *kind, long max)
{
    return ftopo__fail(g->diag, FTOPO_ERR_ARG,
                       "%d hosts with %d HCA(s) each do not fit a %s of radix %d (at most %ld "
                       "endpoints); raise --radix",
                       g->p->hosts, g->hcas, kind, g->radix, max);
}

/* Hosts (and their HCAs, side by side) fill leaves in order. */
static ftopo_status cable_hosts_to_leaves(gen *g)
{
    long endpoints = (long)g->p->hosts * g->hcas;
    for (long e = 0; e < endpoints; e++) {
        ftopo_status st = plan(g, hca_node(g, (int)(e / g->hcas), (int)(e % g->hcas)), 1,
                               (int32_t)(e / g->down), (int)(e % g->down) + 1);
        if (st != FTOPO_OK)
            return st;
    }
    return FTOPO_OK;
}

static ftopo_status build_fat_tree_2(gen *g)
{
    long endpoints = (long)g->p->hosts * g->hcas;
    int leaves = (int)((endpoints + g->down - 1) / g->down);
    int par = parallel_cables(g->up, leaves, g->radix);
    if (!par)
        return too_big(g, "2-level fat tree", (long)g->radix * g->down);
    ftopo_status st;
    if ((st = add_switches(g, "leaf", leaves)) != FTOPO_OK ||
        (st = add_switches(g, "spine", g->up / par)) != FTOPO_OK ||
        (st = add_hosts(g)) != FTOPO_OK || (st = cable_hosts_to_leaves(g)) != FTOPO_OK)
        return st;
    return cable_up(g, 0, leaves, g->down + 1, g->up, leaves, par);
}

/* Pods of `pod` leaves, each leaf cabled once to each of its pod's `up`
 * spines; spines have as many uplinks as down ports (non-blocking above the
 * leaves), and spine j of every pod is cabled to core group j. */
static ftopo_status build_fat_tree_3(gen *g)
{
    long endpoints = (long)g->p->hosts * g->hcas;
    int leaves = (int)((endpoints + g->down - 1) / g->down);
    int pod = g->radix / 2 < leaves ? g->radix / 2 : leaves;
    int pods = (leaves + pod - 1) / pod;
    int par = parallel_cables(pod, pods, g->radix);
    if (!par)
        return too_big(g, "3-level fat tree", (long)g->radix * (g->radix / 2) * g->down);
    int per_group = pod / par, spines = pods * g->up;
    ftopo_status st;
    if ((st = add_switches(g, "leaf", leaves)) != FTOPO_OK ||
        (st = add_switches(g, "spine", spines)) != FTOPO_OK ||
        (st = add_switches(g, "core", g->up * per_group)) != FTOPO_OK ||
        (st = add_hosts(g)) != FTOPO_OK || (st = cable_hosts_to_leaves(g)) != FTOPO_OK)
        return st;
    int32_t first_spine = leaves, first_core = leaves + spines;
    for (int l = 0; l < leaves; l++)
        for (int j = 0; j < g->up; j++)
            if ((st = plan(g, l, g->down + 1 + j, first_spine + (l / pod) * g->up + j,
                           l % pod + 1)) != FTOPO_OK)
                return st;
    for (int n = 0; n < pods; n++) {
        for (int j = 0; j < g->up; j++) {
            int32_t spine = first_spine + n * g->up + j;
            int32_t group = first_core + j * per_group;
            for (int m = 0; m < pod; m++)
                if ((st = plan(g, spine, pod + 1 + m, group + m % per_group,
                               n * par + m / per_group + 1)) != FTOPO_OK)
                    return st;
        }
    }
    return FTOPO_OK;
}

/* Rail r has its own leaves; host h's HCA r sits on rail r's leaf h / down,
 * so a leaf serves one rail. All leaves share the spines. */
static ftopo_status build_rail(gen *g)
{
    int per_rail = (g->p->hosts + g->down - 1) / g->down, leaves = per_rail * g->hcas;
    int par = parallel_cables(g->up, leaves, g->radix);
    if (!par)
        return too_big(g, "rail-optimized fat tree",
                       (long)(g->radix / g->hcas) * g->down * g->hcas);
    ftopo_status st;
    if ((st = add_switches(g, "leaf", leaves)) != FTOPO_OK ||
        (st = add_switches(g, "spine", g->up / par)) != FTOPO_OK || (st = add_hosts(g)) != FTOPO_OK)
        return st;
    for (int h = 0; h < g->p->hosts; h++)
        for (int r = 0; r < g->hcas; r++)
            if ((st = plan(g, hca_node(g, h, r), 1, r * per_rail + h / g->down, h % g->down + 1)) !=
                FTOPO_OK)
                return st;
    return cable_up(g, 0, leaves, g->down + 1, g->up, leaves, par);
}

/* X x Y switches, wrap-around in both directions; hosts spread evenly, on
 * the low ports; then +x, -x, +y, -y. A ring of two has two cables between
 * its switches; a ring of one has none. */
static ftopo_status build_torus(gen *g)
{
    int x = g->p->torus_x, y = g->p->torus_y;
    if (x <= 0 || y <= 0) {
        int per_switch = (g->radix - 4) / g->hcas;
        int n = per_switch > 0 ? (g->p->hosts + per_switch - 1) / per_switch : 1;
        x = (int)ceil(sqrt((double)n));
        y = (n + x - 1) / x;
    }
    long n = (long)x * y;
    if (n > g->p->hosts)
        return ftopo__fail(g->diag, FTOPO_ERR_ARG,
                           "a %dx%d torus needs at least %ld hosts (one per switch)", x, y, n);
    int most = (int)((g->p->hosts + n - 1) / n) * g->hcas;
    if (most + 4 > g->radix)
        return ftopo__fail(g->diag, FTOPO_ERR_ARG,
                           "%d host ports and 4 torus ports need radix %d (have %d)", most,
                           most + 4, g->radix);
    ftopo_status st;
    if ((st = add_switches(g, "torus", (int)n)) != FTOPO_OK || (st = add_hosts(g)) != FTOPO_OK)
        return st;
    for (long s = 0; s < n; s++) {
        int first = (int)(s * g->p->hosts / n), last = (int)((s + 1) * g->p->hosts / n);
        for (int h = first; h < last; h++)
            for (int k = 0; k < g->hcas; k++)
                if ((st = plan(g, hca_node(g, h, k), 1, (int32_t)s,
                               (h - first) * g->hcas + k + 1)) != FTOPO_OK)
                    return st;
    }
    for (int j = 0; j < y; j++) {
        for (int i = 0; i < x; i++) {
            int32_t s = j * x + i;
            if (x > 1 && (st = plan(g, s, most + 1, j * x + (i + 1) % x, most + 2)) != FTOPO_OK)
                return st;
            if (y > 1 && (st = plan(g, s, most + 3, ((j + 1) % y) * x + i, most + 4)) != FTOPO_OK)
                return st;
        }
    }
    return FTOPO_OK;
}

static int32_t find_root(int32_t *parent, int32_t v)
{
    while (parent[v] != v) {
        parent[v] = parent[parent[v]];
        v = parent[v];
    }
    return v;
}

/* Removes round(fraction x inter-switch cables), chosen at random among
 * those outside a random spanning tree of the switches, so the fabric stays
 * connected whatever is removed. */
static ftopo_status degrade(gen *g)
{
    size_t n = g->num_cables, isl = 0;
    for (size_t i = 0; i < n; i++)
        if (g->cables[i].a < g->first_ca && g->cables[i].b < g->first_ca)
            isl++;
    size_t remove = (size_t)llround(g->p->degrade_fraction * (double)isl);
    if (remove == 0)
        return FTOPO_OK;
    size_t *order = malloc(n * sizeof(*order));
    int32_t *parent = malloc((size_t)g->num_switches * sizeof(*parent));
    bool *spare = calloc(n, sizeof(*spare));
    if (!order || !parent || !spare) {
        free(order);
        free(parent);
        free(spare);
        return ftopo__fail(g->diag, FTOPO_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    for (size_t i = n; i > 1; i--) {
        size_t j = random_below(g, i), t = order[i - 1];
        order[i - 1] = order[j];
        order[j] = t;
    }
    for (int32_t v = 0; v < g->num_switches; v++)
        parent[v] = v;
    size_t spares = 0;
    for (size_t i = 0; i < n; i++) {
        const cable *c = &g->cables[order[i]];
        if (c->a >= g->first_ca || c->b >= g->first_ca)
            continue;
        int32_t ra = find_root(parent, c->a), rb = find_root(parent, c->b);
        if (ra != rb)
            parent[ra] = rb;
        else if (spares < remove)
            spare[order[i]] = true, spares++;
    }
    ftopo_status st = FTOPO_OK;
    if (spares < remove) {
        st = ftopo__fail(g->diag, FTOPO_ERR_ARG,
                         "removing %zu of %zu inter-switch links would disconnect the "
                         "fabric (at most %zu can go)",
                         remove, isl, spares);
    } else {
        size_t kept = 0;
        for (size_t i = 0; i < n; i++)
            if (!spare[i])
                g->cables[kept++] = g->cables[i];
        g->num_cables = kept;
    }
    free(order);
    free(parent);
    free(spare);
    return st;
}

static ftopo_status lay_cables(gen *g)
{
    ftopo_port_spec port = {.state = FTOPO_PORT_ACTIVE, .width = g->width, .speed = g->speed};
    for (size_t i = 0; i < g->num_cables; i++) {
        const cable *c = &g->cables[i];
        ftopo_status st = FTOPO_OK;
        /* CA ports were set with their GUID and LID when added. */
        if (c->a < g->first_ca)
            st = ftopo_fabric_set_port(g->f, c->a, c->pa, &port);
        if (st == FTOPO_OK && c->b < g->first_ca)
            st = ftopo_fabric_set_port(g->f, c->b, c->pb, &port);
        if (st == FTOPO_OK)
            st = ftopo_fabric_add_link(g->f, c->a, c->pa, c->b, c->pb);
        if (st != FTOPO_OK)
            return ftopo__fail(g->diag, st, "cabling node %d port %d to node %d port %d: %s", c->a,
                               c->pa, c->b, c->pb, ftopo_strerror(st));
    }
    return FTOPO_OK;
}

static ftopo_status check_params(const ftopo_gen_params *p, gen *g, ftopo_diag *diag)
{
    if (p->kind < FTOPO_GEN_FAT_TREE_2 || p->kind > FTOPO_GEN_TORUS_2D)
        return ftopo__fail(diag, FTOPO_ERR_ARG, "unknown kind %d", (int)p->kind);
    if (p->hosts < 1 || p->hosts > MAX_HOSTS)
        return ftopo__fail(diag, FTOPO_ERR_ARG, "hosts must be 1..%d", MAX_HOSTS);
    g->radix = p->radix ? p->radix : 36;
    if (g->radix < 4 || g->radix > 254)
        return ftopo__fail(diag, FTOPO_ERR_ARG, "radix must be 4..254");
    g->hcas = p->hcas_per_host ? p->hcas_per_host : p->kind == FTOPO_GEN_RAIL ? 8 : 1;
    if (g->hcas < 1 || g->hcas > MAX_HCAS)
        return ftopo__fail(diag, FTOPO_ERR_ARG, "HCAs per host must be 1..%d", MAX_HCAS);
    double over = p->oversubscription > 0 ? p->oversubscription : 1.0;
    if (!(over >= 1.0 && over <= g->radix - 1))
        return ftopo__fail(diag, FTOPO_ERR_ARG, "oversubscription must be 1..%d", g->radix - 1);
    if (!(p->degrade_fraction >= 0.0 && p->degrade_fraction < 1.0))
        return ftopo__fail(diag, FTOPO_ERR_ARG, "degrade fraction must be in [0, 1)");
    if ((p->torus_x < 0 || p->torus_y < 0) || ((p->torus_x > 0) != (p->torus_y > 0)))
        return ftopo__fail(diag, FTOPO_ERR_ARG, "give both torus sizes or neither");
    /* down:up = over, rounded towards more uplinks. */
    g->down = (int)floor(g->radix * over / (over + 1.0) + 1e-9);
    g->up = g->radix - g->down;
    if (g->down < 1 || g->up < 1)
        return ftopo__fail(diag, FTOPO_ERR_ARG, "radix %d leaves no host or uplink port", g->radix);
    g->width = p->width ? p->width : FTOPO_WIDTH_4X;
    g->speed = p->speed ? p->speed : FTOPO_SPEED_EDR;
    return FTOPO_OK;
}

/* Host numbers in names: 1..hosts in cabling order, or a seeded shuffle. */
static ftopo_status number_hosts(gen *g)
{
    int hosts = g->p->hosts;
    g->host_number = malloc((size_t)hosts * sizeof(int));
    if (!g->host_number)
        return ftopo__fail(g->diag, FTOPO_ERR_NOMEM, "out of memory");
    for (int h = 0; h < hosts; h++)
        g->host_number[h] = h + 1;
    for (int h = hosts; g->p->shuffle_names && h > 1; h--) {
        size_t j = random_below(g, (size_t)h);
        int t = g->host_number[h - 1];
        g->host_number[h - 1] = g->host_number[j];
        g->host_number[j] = t;
    }
    g->name_digits = digits(hosts) > 3 ? digits(hosts) : 3;
    return FTOPO_OK;
}

ftopo_status ftopo_generate(const ftopo_gen_params *params, ftopo_fabric **out, ftopo_diag *diag)
{
    if (!params || !out)
        return ftopo__fail(diag, FTOPO_ERR_ARG, "no parameters or output");
    *out = NULL;
    gen g = {.p = params, .diag = diag, .rng = params->seed};
    ftopo_status st = check_params(params, &g, diag);
    if (st != FTOPO_OK)
        return st;
    if ((st = number_hosts(&g)) != FTOPO_OK)
        return st;
    /* A rough count; LIDs are left to the SM when they would not fit. */
    if ((long)params->hosts * g.hcas * 2 < MAX_UNICAST_LID)
        g.next_lid = 1;
    if ((st = ftopo_fabric_create(&g.f)) != FTOPO_OK) {
        free(g.host_number);
        return ftopo__fail(diag, st, "%s", ftopo_strerror(st));
    }
    static ftopo_status (*const builders[])(gen *) = {
        [FTOPO_GEN_FAT_TREE_2] = build_fat_tree_2,
        [FTOPO_GEN_FAT_TREE_3] = build_fat_tree_3,
        [FTOPO_GEN_RAIL] = build_rail,
        [FTOPO_GEN_TORUS_2D] = build_torus,
    };
    st = builders[params->kind](&g);
    if (st == FTOPO_OK)
        st = degrade(&g);
    if (st == FTOPO_OK)
        st = lay_cables(&g);
    if (st == FTOPO_OK)
        st = ftopo_fabric_finalize(g.f, diag);
    free(g.cables);
    free(g.host_number);
    if (st != FTOPO_OK) {
        ftopo_fabric_destroy(g.f);
        return st;
    }
    *out = g.f;
    return FTOPO_OK;
}

ftopo_status ftopo_gen_kind_parse(const char *name, ftopo_gen_kind *out)
{
    static const struct {
        const char *name;
        ftopo_gen_kind kind;
    } kinds[] = {{"fat-tree-2", FTOPO_GEN_FAT_TREE_2},
                 {"ft2", FTOPO_GEN_FAT_TREE_2},
                 {"fat-tree-3", FTOPO_GEN_FAT_TREE_3},
                 {"ft3", FTOPO_GEN_FAT_TREE_3},
                 {"rail", FTOPO_GEN_RAIL},
                 {"torus", FTOPO_GEN_TORUS_2D}};
    if (!name || !out)
        return FTOPO_ERR_ARG;
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        if (strcasecmp(name, kinds[i].name) == 0) {
            *out = kinds[i].kind;
            return FTOPO_OK;
        }
    }
    return FTOPO_ERR_NOT_FOUND;
}

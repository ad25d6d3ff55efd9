/* Hosts and rails: which CAs sit in one machine, and the order of a
 * machine's HCAs (its rails).
 *
 * CAs that share a system image GUID are one machine; that is what the GUID
 * means, but many HCAs (ConnectX among them) report their own node GUID
 * there, so it only decides when several CAs share one. Otherwise the host
 * is the part of the node description before the first space or slash:
 * rdma-ndd sets descriptions to "<hostname> <device>" ("node017 mlx5_0"),
 * and sites use "node017 HCA-3" or "node017/HCA-1". A firmware default
 * description ("MT4123 ConnectX6 Mellanox Technologies") names no host, so
 * such a CA is a host of its own, named by its GUID.
 *
 * Rails order a host's HCAs by the number ending the first word of their
 * device part (HCA-3, mlx5_10) when every HCA has a distinct one, else by
 * GUID. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

static bool is_firmware_default(const char *desc)
{
    return desc[0] == '\0' || strstr(desc, "Mellanox Technologies") != NULL ||
           (desc[0] == 'M' && desc[1] == 'T' && isdigit((unsigned char)desc[2]));
}

static size_t host_part_len(const char *desc)
{
    return strcspn(desc, " \t/");
}

/* The host name of a CA, newly allocated. */
static char *host_name_of(const ftopo__node *ca)
{
    char *name;
    if (is_firmware_default(ca->desc)) {
        name = malloc(19);
        if (name)
            snprintf(name, 19, "0x%016llx", (unsigned long long)ca->guid);
        return name;
    }
    return strndup(ca->desc, host_part_len(ca->desc));
}

/* The number ending the first word of a CA's device part ("HCA-3" -> 3,
 * "mlx5_10" -> 10, "HCA-2 (mlx5_1)" -> 2), or -1. */
static long hca_number(const char *desc)
{
    const char *dev = desc + host_part_len(desc);
    dev += strspn(dev, " \t/");
    const char *end = dev + strcspn(dev, " \t");
    while (end > dev && !isdigit((unsigned char)end[-1]))
        end--;
    const char *start = end;
    while (start > dev && isdigit((unsigned char)start[-1]))
        start--;
    if (start == end || end - start > 9)
        return -1;
    return strtol(start, NULL, 10);
}

typedef struct rail_key {
    long number;
    uint64_t guid;
    ftopo_node_id node;
} rail_key;

static int by_number(const void *a, const void *b)
{
    const rail_key *x = a, *y = b;
    return (x->number > y->number) - (x->number < y->number);
}

static int by_guid(const void *a, const void *b)
{
    const rail_key *x = a, *y = b;
    return (x->guid > y->guid) - (x->guid < y->guid);
}

/* Sorts one host's CAs into rail order and records host and rail. */
static void assign_rails(ftopo_fabric *f, ftopo_host_id h, rail_key *keys)
{
    ftopo__host *host = &f->hosts[h];
    ftopo_node_id *cas = &f->host_cas[host->first];
    bool numbered = true;
    for (int i = 0; i < host->num_hcas; i++) {
        const ftopo__node *ca = &f->nodes[cas[i]];
        keys[i] = (rail_key){hca_number(ca->desc), ca->guid, cas[i]};
        numbered = numbered && keys[i].number >= 0;
    }
    qsort(keys, (size_t)host->num_hcas, sizeof(*keys), numbered ? by_number : by_guid);
    for (int i = 1; numbered && i < host->num_hcas; i++)
        numbered = keys[i].number != keys[i - 1].number;
    if (!numbered)
        qsort(keys, (size_t)host->num_hcas, sizeof(*keys), by_guid);
    for (int i = 0; i < host->num_hcas; i++) {
        cas[i] = keys[i].node;
        f->nodes[cas[i]].host = h;
        f->nodes[cas[i]].rail = i;
    }
}

/* The CA whose description names the host of a shared system image: the
 * first of the image's CAs, or -1 when the CA does not share its image. */
static ftopo_status find_image_leaders(ftopo_fabric *f, ftopo_node_id *leader)
{
    ftopo__idmap first = {0};
    int *sharing = calloc(f->num_nodes ? f->num_nodes : 1, sizeof(*sharing));
    if (!sharing)
        return FTOPO_ERR_NOMEM;
    for (size_t n = 0; n < f->num_nodes; n++) {
        leader[n] = FTOPO_NONE;
        const ftopo__node *node = &f->nodes[n];
        if (node->type != FTOPO_NODE_CA || node->sysimg_guid == 0)
            continue;
        int64_t l = ftopo__idmap_find(&first, node->sysimg_guid);
        if (l < 0) {
            l = (int64_t)n;
            if (!ftopo__idmap_add(&first, node->sysimg_guid, l)) {
                free(sharing);
                ftopo__idmap_free(&first);
                return FTOPO_ERR_NOMEM;
            }
        }
        leader[n] = (ftopo_node_id)l;
        sharing[l]++;
    }
    for (size_t n = 0; n < f->num_nodes; n++)
        if (leader[n] != FTOPO_NONE && sharing[leader[n]] < 2)
            leader[n] = FTOPO_NONE;
    free(sharing);
    ftopo__idmap_free(&first);
    return FTOPO_OK;
}

/* Finds or creates the host called `name` (taking ownership of it). */
static ftopo_host_id intern_host(ftopo_fabric *f, char *name)
{
    ftopo_host_id h;
    if (ftopo_find_host(f, name, &h) == FTOPO_OK) {
        free(name);
        return h;
    }
    h = (ftopo_host_id)f->num_hosts;
    if (!ftopo__idmap_add(&f->by_host, ftopo__hash_str(name, strlen(name)), h)) {
        free(name);
        return FTOPO_NONE;
    }
    f->hosts[f->num_hosts++] = (ftopo__host){.name = name};
    return h;
}

ftopo_status ftopo__derive_hosts(ftopo_fabric *f, ftopo_diag *diag)
{
    (void)diag;
    size_t num_cas = 0;
    for (size_t n = 0; n < f->num_nodes; n++)
        num_cas += f->nodes[n].type == FTOPO_NODE_CA;
    ftopo_node_id *leader = malloc((f->num_nodes + 1) * sizeof(*leader));
    f->hosts = malloc((num_cas + 1) * sizeof(*f->hosts));
    f->host_cas = malloc((num_cas + 1) * sizeof(*f->host_cas));
    rail_key *keys = malloc((num_cas + 1) * sizeof(*keys));
    ftopo_status st =
        leader && f->hosts && f->host_cas && keys ? find_image_leaders(f, leader) : FTOPO_ERR_NOMEM;
    /* Group: each CA's host id into `rail`'s place for now. */
    for (size_t n = 0; n < f->num_nodes && st == FTOPO_OK; n++) {
        ftopo__node *ca = &f->nodes[n];
        if (ca->type != FTOPO_NODE_CA)
            continue;
        char *name = host_name_of(leader[n] != FTOPO_NONE ? &f->nodes[leader[n]] : ca);
        ca->host = name ? intern_host(f, name) : FTOPO_NONE;
        if (ca->host == FTOPO_NONE)
            st = FTOPO_ERR_NOMEM;
        else
            f->hosts[ca->host].num_hcas++;
    }
    if (st == FTOPO_OK) {
        size_t first = 0;
        for (size_t h = 0; h < f->num_hosts; h++) {
            f->hosts[h].first = first;
            first += (size_t)f->hosts[h].num_hcas;
            f->hosts[h].num_hcas = 0; /* recounted while filling */
        }
        for (size_t n = 0; n < f->num_nodes; n++) {
            if (f->nodes[n].type != FTOPO_NODE_CA)
                continue;
            ftopo__host *host = &f->hosts[f->nodes[n].host];
            f->host_cas[host->first + (size_t)host->num_hcas++] = (ftopo_node_id)n;
        }
        for (size_t h = 0; h < f->num_hosts; h++)
            assign_rails(f, (ftopo_host_id)h, keys);
    }
    free(keys);
    free(leader);
    return st;
}

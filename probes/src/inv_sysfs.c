/* The RDMA devices and ports under <root>/class/infiniband. */
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "inventory.h"
#include "log.h"
#include "sysfs.h"

int fprobe_counters_add(struct fprobe_counters *c, const char *name, uint64_t value)
{
    struct fprobe_counter *v = realloc(c->v, (c->n + 1) * sizeof(*v));
    if (v == NULL)
        return -1;
    c->v = v;
    snprintf(v[c->n].name, sizeof(v[c->n].name), "%s", name);
    v[c->n].value = value;
    c->n++;
    return 0;
}

void fprobe_counters_free(struct fprobe_counters *c)
{
    free(c->v);
    c->v = NULL;
    c->n = 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const struct fprobe_counter *)a)->name,
                  ((const struct fprobe_counter *)b)->name);
}

/* Every numeric file of a counters directory (absent directory: none) but
 * hw_counters' lifespan, which is the refresh period, not a count. */
static int read_counters(struct fprobe_counters *c, const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return 0;
    struct dirent *e;
    int rc = 0;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        uint64_t v;
        if (e->d_name[0] == '.' || strcmp(e->d_name, "lifespan") == 0 ||
            fprobe_read_u64(&v, "%s/%s", dir, e->d_name) != 0)
            continue;
        rc = fprobe_counters_add(c, e->d_name, v);
    }
    closedir(d);
    if (c->n > 1)
        qsort(c->v, c->n, sizeof(*c->v), by_name);
    return rc;
}

static int is_zero_gid(const char *gid)
{
    return strspn(gid, "0:") == strlen(gid);
}

static int by_gid_index(const void *a, const void *b)
{
    unsigned x = ((const struct fprobe_gid *)a)->index, y = ((const struct fprobe_gid *)b)->index;
    return (x > y) - (x < y);
}

static int read_gids(struct fprobe_port *p, const char *pdir)
{
    char dir[1024];
    DIR *d = fprobe_path(dir, sizeof(dir), "%s/gids", pdir) == 0 ? opendir(dir) : NULL;
    if (d == NULL)
        return 0;
    struct dirent *e;
    int rc = 0;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        char gid[64];
        /* A GID in sysfs is 39 characters; anything longer is not one. */
        if (e->d_name[0] == '.' || fprobe_read_line(gid, sizeof(gid), "%s/%s", dir, e->d_name) ||
            is_zero_gid(gid) || strlen(gid) >= sizeof(p->gids->gid))
            continue;
        struct fprobe_gid *g = realloc(p->gids, (p->n_gids + 1) * sizeof(*g));
        if (g == NULL) {
            rc = -1;
            break;
        }
        p->gids = g;
        g = &g[p->n_gids++];
        memset(g, 0, sizeof(*g));
        g->index = (unsigned)strtoul(e->d_name, NULL, 10);
        memcpy(g->gid, gid, strlen(gid) + 1);
        fprobe_read_line(g->type, sizeof(g->type), "%s/gid_attrs/types/%s", pdir, e->d_name);
        fprobe_read_line(g->netdev, sizeof(g->netdev), "%s/gid_attrs/ndevs/%s", pdir, e->d_name);
    }
    closedir(d);
    if (p->n_gids > 1)
        qsort(p->gids, p->n_gids, sizeof(*p->gids), by_gid_index);
    return rc;
}

static int read_port(struct fprobe_port *p, const char *ddir, unsigned num)
{
    char pdir[1024], sub[1024];
    if (fprobe_path(pdir, sizeof(pdir), "%s/ports/%u", ddir, num) != 0)
        return -1;
    p->num = num;
    uint64_t v;
    fprobe_read_line(p->state, sizeof(p->state), "%s/state", pdir);
    fprobe_read_line(p->phys_state, sizeof(p->phys_state), "%s/phys_state", pdir);
    fprobe_read_line(p->rate, sizeof(p->rate), "%s/rate", pdir);
    fprobe_read_line(p->link_layer, sizeof(p->link_layer), "%s/link_layer", pdir);
    if (fprobe_read_u64(&v, "%s/lid", pdir) == 0)
        p->lid = (unsigned)v;
    if (fprobe_read_u64(&v, "%s/sm_lid", pdir) == 0)
        p->sm_lid = (unsigned)v;
    if (read_gids(p, pdir) != 0)
        return -1;
    if (fprobe_path(sub, sizeof(sub), "%s/counters", pdir) != 0 ||
        read_counters(&p->counters, sub) != 0 ||
        fprobe_path(sub, sizeof(sub), "%s/hw_counters", pdir) != 0)
        return -1;
    return read_counters(&p->hw_counters, sub);
}

static int by_port(const void *a, const void *b)
{
    unsigned x = ((const struct fprobe_port *)a)->num, y = ((const struct fprobe_port *)b)->num;
    return (x > y) - (x < y);
}

static int read_ports(struct fprobe_dev *dev, const char *ddir)
{
    char dir[1024];
    DIR *d = fprobe_path(dir, sizeof(dir), "%s/ports", ddir) == 0 ? opendir(dir) : NULL;
    if (d == NULL)
        return 0;
    struct dirent *e;
    int rc = 0;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        struct fprobe_port *p = realloc(dev->ports, (dev->n_ports + 1) * sizeof(*p));
        if (p == NULL) {
            rc = -1;
            break;
        }
        dev->ports = p;
        p = &p[dev->n_ports++];
        memset(p, 0, sizeof(*p));
        rc = read_port(p, ddir, (unsigned)strtoul(e->d_name, NULL, 10));
    }
    closedir(d);
    if (dev->n_ports > 1)
        qsort(dev->ports, dev->n_ports, sizeof(*dev->ports), by_port);
    return rc;
}

/* The PCI address is the name the device link points at; a virtual device
 * (rxe, siw) has no PCI parent. */
static void read_pci(struct fprobe_dev *dev, const char *ddir)
{
    char link[1024], target[1024];
    dev->numa_node = -1;
    if (fprobe_path(link, sizeof(link), "%s/device", ddir) != 0)
        return;
    ssize_t n = readlink(link, target, sizeof(target) - 1);
    if (n <= 0)
        return;
    target[n] = '\0';
    char *base = basename(target);
    unsigned dom, bus, slot, fn;
    if (sscanf(base, "%x:%x:%x.%x", &dom, &bus, &slot, &fn) == 4)
        snprintf(dev->pci_addr, sizeof(dev->pci_addr), "%s", base);
    char numa[16];
    if (fprobe_read_line(numa, sizeof(numa), "%s/numa_node", link) == 0)
        dev->numa_node = atoi(numa);
}

static int read_dev(struct fprobe_dev *dev, const char *root, const char *name)
{
    char ddir[1024];
    if (fprobe_path(ddir, sizeof(ddir), "%s/class/infiniband/%s", root, name) != 0)
        return -1;
    snprintf(dev->name, sizeof(dev->name), "%.63s", name);
    fprobe_read_line(dev->node_guid, sizeof(dev->node_guid), "%s/node_guid", ddir);
    fprobe_read_line(dev->sys_image_guid, sizeof(dev->sys_image_guid), "%s/sys_image_guid", ddir);
    fprobe_read_line(dev->fw_ver, sizeof(dev->fw_ver), "%s/fw_ver", ddir);
    fprobe_read_line(dev->node_type, sizeof(dev->node_type), "%s/node_type", ddir);
    read_pci(dev, ddir);
    return read_ports(dev, ddir);
}

static int by_dev(const void *a, const void *b)
{
    return strcmp(((const struct fprobe_dev *)a)->name, ((const struct fprobe_dev *)b)->name);
}

int fprobe_inv_sysfs(struct fprobe_inventory *inv, const char *root)
{
    char dir[1024];
    snprintf(inv->sysfs_root, sizeof(inv->sysfs_root), "%s", root);
    if (fprobe_path(dir, sizeof(dir), "%s/class/infiniband", root) != 0) {
        fprobe_log("sysfs root too long: %s", root);
        return -1;
    }
    DIR *d = opendir(dir);
    if (d == NULL) {
        if (errno == ENOENT)
            return 0; /* no RDMA devices on this host */
        fprobe_log("cannot open %s: %s", dir, strerror(errno));
        return -1;
    }
    struct dirent *e;
    int rc = 0;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        struct fprobe_dev *v = realloc(inv->devs, (inv->n_devs + 1) * sizeof(*v));
        if (v == NULL) {
            rc = -1;
            break;
        }
        inv->devs = v;
        v = &v[inv->n_devs++];
        memset(v, 0, sizeof(*v));
        rc = read_dev(v, root, e->d_name);
    }
    closedir(d);
    if (rc != 0)
        fprobe_log("out of memory reading %s", dir);
    if (inv->n_devs > 1)
        qsort(inv->devs, inv->n_devs, sizeof(*inv->devs), by_dev);
    return rc;
}

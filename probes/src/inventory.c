/* The whole inventory: sysfs first, then what netlink adds. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "inventory.h"

const char *fprobe_sysfs_root(void)
{
    const char *root = getenv("FPROBE_SYSFS_ROOT");
    return root != NULL && root[0] != '\0' ? root : "/sys";
}

int fprobe_inventory_read(struct fprobe_inventory *inv)
{
    memset(inv, 0, sizeof(*inv));
    gethostname(inv->hostname, sizeof(inv->hostname) - 1);
    const char *root = fprobe_sysfs_root();
    if (fprobe_inv_sysfs(inv, root) != 0)
        return -1;
    if (inv->n_devs == 0)
        return 0;
    /* Netlink describes the running kernel's devices, not a fake tree's:
     * each failure is logged and leaves its part empty. */
    fprobe_inv_rdma_nl(inv);
    fprobe_inv_netdevs(inv, root);
    return 0;
}

void fprobe_inventory_free(struct fprobe_inventory *inv)
{
    for (size_t i = 0; i < inv->n_devs; i++) {
        struct fprobe_dev *d = &inv->devs[i];
        for (size_t j = 0; j < d->n_ports; j++) {
            free(d->ports[j].gids);
            fprobe_counters_free(&d->ports[j].counters);
            fprobe_counters_free(&d->ports[j].hw_counters);
            fprobe_counters_free(&d->ports[j].nl.stats);
        }
        free(d->ports);
    }
    free(inv->devs);
    memset(inv, 0, sizeof(*inv));
}

/* fabprobe inventory [--json]: the local host's RDMA devices and ports. */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "inv_json.h"
#include "inventory.h"

static void print_port(const struct fprobe_port *p)
{
    printf("  port %u: %s, %s, %s, %s, lid %u\n", p->num, p->state, p->phys_state, p->rate,
           p->link_layer, p->lid);
    for (size_t i = 0; i < p->n_gids; i++)
        printf("    gid %u %s %s %s\n", p->gids[i].index, p->gids[i].gid, p->gids[i].type,
               p->gids[i].netdev);
    if (p->has_netdev)
        printf("    netdev %s ifindex %d mac %s mtu %u speed %ld Mb/s %s\n", p->netdev.name,
               p->netdev.ifindex, p->netdev.mac, p->netdev.mtu, p->netdev.speed_mbps,
               p->netdev.operstate);
    printf("    %zu counters, %zu hw counters (%zu from netlink)\n", p->counters.n,
           p->hw_counters.n, p->nl.stats.n);
}

static void print_text(const struct fprobe_inventory *inv)
{
    printf("%s: %zu RDMA device(s), RDMA netlink %s\n", inv->hostname, inv->n_devs,
           inv->netlink_ok ? "answered" : "silent");
    for (size_t i = 0; i < inv->n_devs; i++) {
        const struct fprobe_dev *d = &inv->devs[i];
        printf("%s: node_guid %s sys_image_guid %s fw %s pci %s numa %d\n", d->name, d->node_guid,
               d->sys_image_guid, d->fw_ver[0] ? d->fw_ver : "-",
               d->pci_addr[0] ? d->pci_addr : "-", d->numa_node);
        for (size_t j = 0; j < d->n_ports; j++)
            print_port(&d->ports[j]);
    }
}

int fprobe_cmd_inventory(int argc, char **argv)
{
    int json = argc == 2 && strcmp(argv[1], "--json") == 0;
    if (argc > 2 || (argc == 2 && !json)) {
        fprintf(stderr, "usage: fabprobe inventory [--json]\n");
        return 2;
    }
    struct fprobe_inventory inv;
    if (fprobe_inventory_read(&inv) != 0)
        return 1;
    if (json) {
        json_object *o = fprobe_inventory_json(&inv);
        puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
                                                   JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(o);
    } else {
        print_text(&inv);
    }
    fprobe_inventory_free(&inv);
    return 0;
}

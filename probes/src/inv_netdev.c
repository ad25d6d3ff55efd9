/* The netdev behind each RoCE port: link and addresses from rtnetlink
 * (libnl-route), the speed from sysfs (rtnetlink does not carry it). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/cache.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>

#include "inventory.h"
#include "log.h"
#include "sysfs.h"

/* The port's netdev name: what RDMA netlink says, else the GID table's. */
static const char *port_netdev(const struct fprobe_port *p)
{
    if (p->nl.netdev[0] != '\0')
        return p->nl.netdev;
    for (size_t i = 0; i < p->n_gids; i++)
        if (p->gids[i].netdev[0] != '\0')
            return p->gids[i].netdev;
    return NULL;
}

static void add_addrs(struct fprobe_netdev *nd, struct nl_cache *addrs)
{
    for (struct nl_object *o = nl_cache_get_first(addrs); o != NULL; o = nl_cache_get_next(o)) {
        struct rtnl_addr *a = (struct rtnl_addr *)o;
        if (rtnl_addr_get_ifindex(a) != nd->ifindex || nd->n_addrs == 4)
            continue;
        nl_addr2str(rtnl_addr_get_local(a), nd->addrs[nd->n_addrs], sizeof(nd->addrs[0]));
        nd->n_addrs++;
    }
}

/* The link by the ifindex RDMA netlink gave, else by name. */
static int fill(struct fprobe_netdev *nd, struct nl_sock *sk, struct nl_cache *addrs,
                const struct fprobe_port *p, const char *root)
{
    struct rtnl_link *link = NULL;
    const char *name = port_netdev(p);
    int rc =
        rtnl_link_get_kernel(sk, (int)p->nl.netdev_index, p->nl.netdev_index ? NULL : name, &link);
    if (rc < 0) {
        fprobe_log("rtnetlink: link %s: %s", name, nl_geterror(rc));
        return -1;
    }
    snprintf(nd->name, sizeof(nd->name), "%s", rtnl_link_get_name(link));
    nd->ifindex = rtnl_link_get_ifindex(link);
    nd->mtu = rtnl_link_get_mtu(link);
    struct nl_addr *mac = rtnl_link_get_addr(link);
    if (mac != NULL)
        nl_addr2str(mac, nd->mac, sizeof(nd->mac));
    rtnl_link_operstate2str(rtnl_link_get_operstate(link), nd->operstate, sizeof(nd->operstate));
    rtnl_link_put(link);
    uint64_t speed;
    nd->speed_mbps = -1;
    /* Virtual links (veth) say -1 or refuse; both mean unknown. */
    if (fprobe_read_u64(&speed, "%s/class/net/%s/speed", root, nd->name) == 0 && speed < 10000000)
        nd->speed_mbps = (long)speed;
    add_addrs(nd, addrs);
    return 0;
}

int fprobe_inv_netdevs(struct fprobe_inventory *inv, const char *root)
{
    struct nl_sock *sk = nl_socket_alloc();
    struct nl_cache *addrs = NULL;
    int rc = sk == NULL ? -NLE_NOMEM : nl_connect(sk, NETLINK_ROUTE);
    if (rc == 0)
        rc = rtnl_addr_alloc_cache(sk, &addrs);
    if (rc < 0) {
        fprobe_log("rtnetlink: %s", nl_geterror(rc));
        nl_socket_free(sk);
        return -1;
    }
    int failed = 0;
    for (size_t i = 0; i < inv->n_devs; i++) {
        for (size_t j = 0; j < inv->devs[i].n_ports; j++) {
            struct fprobe_port *p = &inv->devs[i].ports[j];
            if (port_netdev(p) == NULL)
                continue;
            if (fill(&p->netdev, sk, addrs, p, root) == 0)
                p->has_netdev = 1;
            else
                failed = 1;
        }
    }
    nl_cache_free(addrs);
    nl_socket_free(sk);
    return failed ? -1 : 0;
}

/* The inventory as JSON (json-c), for `fabprobe inventory --json` and for
 * pushing to fabricd. */
#include <json-c/json.h>

#include "inv_json.h"

static void put_str(json_object *o, const char *key, const char *val)
{
    json_object_object_add(o, key, json_object_new_string(val));
}

static void put_int(json_object *o, const char *key, int64_t val)
{
    json_object_object_add(o, key, json_object_new_int64(val));
}

static json_object *counters(const struct fprobe_counters *c)
{
    json_object *o = json_object_new_object();
    for (size_t i = 0; i < c->n; i++)
        json_object_object_add(o, c->v[i].name, json_object_new_uint64(c->v[i].value));
    return o;
}

static json_object *gids(const struct fprobe_port *p)
{
    json_object *a = json_object_new_array();
    for (size_t i = 0; i < p->n_gids; i++) {
        json_object *g = json_object_new_object();
        put_int(g, "index", p->gids[i].index);
        put_str(g, "gid", p->gids[i].gid);
        put_str(g, "type", p->gids[i].type);
        put_str(g, "netdev", p->gids[i].netdev);
        json_object_array_add(a, g);
    }
    return a;
}

static json_object *netdev(const struct fprobe_netdev *nd)
{
    json_object *o = json_object_new_object();
    put_str(o, "name", nd->name);
    put_int(o, "ifindex", nd->ifindex);
    put_str(o, "mac", nd->mac);
    put_int(o, "mtu", nd->mtu);
    put_int(o, "speed_mbps", nd->speed_mbps);
    put_str(o, "operstate", nd->operstate);
    json_object *a = json_object_new_array();
    for (size_t i = 0; i < nd->n_addrs; i++)
        json_object_array_add(a, json_object_new_string(nd->addrs[i]));
    json_object_object_add(o, "addrs", a);
    return o;
}

static json_object *nl_port(const struct fprobe_nl_port *np)
{
    json_object *o = json_object_new_object();
    put_int(o, "state", np->state);
    put_int(o, "phys_state", np->phys_state);
    put_int(o, "lid", np->lid);
    put_str(o, "netdev", np->netdev);
    put_int(o, "netdev_index", np->netdev_index);
    json_object_object_add(o, "hw_counters", counters(&np->stats));
    return o;
}

static json_object *port(const struct fprobe_port *p)
{
    json_object *o = json_object_new_object();
    put_int(o, "port", p->num);
    put_str(o, "state", p->state);
    put_str(o, "phys_state", p->phys_state);
    put_str(o, "rate", p->rate);
    put_str(o, "link_layer", p->link_layer);
    put_int(o, "lid", p->lid);
    put_int(o, "sm_lid", p->sm_lid);
    json_object_object_add(o, "gids", gids(p));
    json_object_object_add(o, "counters", counters(&p->counters));
    json_object_object_add(o, "hw_counters", counters(&p->hw_counters));
    if (p->nl.seen)
        json_object_object_add(o, "netlink", nl_port(&p->nl));
    if (p->has_netdev)
        json_object_object_add(o, "netdev", netdev(&p->netdev));
    return o;
}

static json_object *nl_dev(const struct fprobe_nl_dev *nd)
{
    json_object *o = json_object_new_object();
    put_int(o, "index", nd->index);
    put_str(o, "node_guid", nd->node_guid);
    put_str(o, "sys_image_guid", nd->sys_image_guid);
    put_str(o, "fw_ver", nd->fw_ver);
    put_str(o, "protocol", nd->protocol);
    return o;
}

static json_object *dev(const struct fprobe_dev *d)
{
    json_object *o = json_object_new_object();
    put_str(o, "name", d->name);
    put_str(o, "node_guid", d->node_guid);
    put_str(o, "sys_image_guid", d->sys_image_guid);
    put_str(o, "fw_ver", d->fw_ver);
    put_str(o, "node_type", d->node_type);
    put_str(o, "pci_addr", d->pci_addr);
    put_int(o, "numa_node", d->numa_node);
    json_object *ports = json_object_new_array();
    for (size_t i = 0; i < d->n_ports; i++)
        json_object_array_add(ports, port(&d->ports[i]));
    json_object_object_add(o, "ports", ports);
    if (d->nl.seen)
        json_object_object_add(o, "netlink", nl_dev(&d->nl));
    return o;
}

json_object *fprobe_inventory_json(const struct fprobe_inventory *inv)
{
    json_object *o = json_object_new_object();
    put_str(o, "hostname", inv->hostname);
    put_str(o, "sysfs_root", inv->sysfs_root);
    json_object_object_add(o, "rdma_netlink", json_object_new_boolean(inv->netlink_ok));
    json_object *devs = json_object_new_array();
    for (size_t i = 0; i < inv->n_devs; i++)
        json_object_array_add(devs, dev(&inv->devs[i]));
    json_object_object_add(o, "devices", devs);
    return o;
}

/* The inventory as JSON (json-c), for `fabprobe inventory --json` and for
 * pushing to fabricd. Each record's scalar members are listed once, in a
 * table of (key, type, offset); one function emits any table, and only
 * the nested arrays and objects are written by hand. */
#include <stddef.h>

#include <json-c/json.h>

#include "inv_json.h"

enum field_type { F_STR, F_UINT, F_INT, F_LONG };

struct field {
    const char *key;
    enum field_type type;
    size_t offset;
};

#define FIELD(rec, member, type)                                                                   \
    {                                                                                              \
#member, type, offsetof(rec, member)                                                       \
    }

static json_object *scalar(const void *base, const struct field *f)
{
    const char *p = (const char *)base + f->offset;
    switch (f->type) {
    case F_STR:
        return json_object_new_string(p);
    case F_UINT:
        return json_object_new_int64(*(const unsigned *)p);
    case F_INT:
        return json_object_new_int64(*(const int *)p);
    case F_LONG:
        return json_object_new_int64(*(const long *)p);
    }
    return NULL;
}

/* A new object with the fields of the n-entry table. */
#define RECORD(base, table) record(base, table, sizeof(table) / sizeof(table[0]))
static json_object *record(const void *base, const struct field *table, size_t n)
{
    json_object *o = json_object_new_object();
    for (size_t i = 0; i < n; i++)
        json_object_object_add(o, table[i].key, scalar(base, &table[i]));
    return o;
}

static const struct field gid_fields[] = {
    {"index", F_UINT, offsetof(struct fprobe_gid, index)},
    FIELD(struct fprobe_gid, gid, F_STR),
    FIELD(struct fprobe_gid, type, F_STR),
    FIELD(struct fprobe_gid, netdev, F_STR),
};

static const struct field netdev_fields[] = {
    FIELD(struct fprobe_netdev, name, F_STR),        FIELD(struct fprobe_netdev, ifindex, F_INT),
    FIELD(struct fprobe_netdev, mac, F_STR),         FIELD(struct fprobe_netdev, mtu, F_UINT),
    FIELD(struct fprobe_netdev, speed_mbps, F_LONG), FIELD(struct fprobe_netdev, operstate, F_STR),
};

static const struct field nl_port_fields[] = {
    FIELD(struct fprobe_nl_port, state, F_UINT),
    FIELD(struct fprobe_nl_port, phys_state, F_UINT),
    FIELD(struct fprobe_nl_port, lid, F_UINT),
    FIELD(struct fprobe_nl_port, netdev, F_STR),
    FIELD(struct fprobe_nl_port, netdev_index, F_UINT),
};

static const struct field port_fields[] = {
    {"port", F_UINT, offsetof(struct fprobe_port, num)}, FIELD(struct fprobe_port, state, F_STR),
    FIELD(struct fprobe_port, phys_state, F_STR),        FIELD(struct fprobe_port, rate, F_STR),
    FIELD(struct fprobe_port, link_layer, F_STR),        FIELD(struct fprobe_port, lid, F_UINT),
    FIELD(struct fprobe_port, sm_lid, F_UINT),
};

static const struct field nl_dev_fields[] = {
    FIELD(struct fprobe_nl_dev, index, F_UINT),
    FIELD(struct fprobe_nl_dev, node_guid, F_STR),
    FIELD(struct fprobe_nl_dev, sys_image_guid, F_STR),
    FIELD(struct fprobe_nl_dev, fw_ver, F_STR),
    FIELD(struct fprobe_nl_dev, protocol, F_STR),
};

static const struct field dev_fields[] = {
    FIELD(struct fprobe_dev, name, F_STR),           FIELD(struct fprobe_dev, node_guid, F_STR),
    FIELD(struct fprobe_dev, sys_image_guid, F_STR), FIELD(struct fprobe_dev, fw_ver, F_STR),
    FIELD(struct fprobe_dev, node_type, F_STR),      FIELD(struct fprobe_dev, pci_addr, F_STR),
    FIELD(struct fprobe_dev, numa_node, F_INT),
};

static json_object *counters(const struct fprobe_counters *c)
{
    json_object *o = json_object_new_object();
    for (size_t i = 0; i < c->n; i++)
        json_object_object_add(o, c->v[i].name, json_object_new_uint64(c->v[i].value));
    return o;
}

static json_object *netdev(const struct fprobe_netdev *nd)
{
    json_object *o = RECORD(nd, netdev_fields), *a = json_object_new_array();
    for (size_t i = 0; i < nd->n_addrs; i++)
        json_object_array_add(a, json_object_new_string(nd->addrs[i]));
    json_object_object_add(o, "addrs", a);
    return o;
}

static json_object *port(const struct fprobe_port *p)
{
    json_object *o = RECORD(p, port_fields), *gids = json_object_new_array();
    for (size_t i = 0; i < p->n_gids; i++)
        json_object_array_add(gids, RECORD(&p->gids[i], gid_fields));
    json_object_object_add(o, "gids", gids);
    json_object_object_add(o, "counters", counters(&p->counters));
    json_object_object_add(o, "hw_counters", counters(&p->hw_counters));
    if (p->nl.seen) {
        json_object *nl = RECORD(&p->nl, nl_port_fields);
        json_object_object_add(nl, "hw_counters", counters(&p->nl.stats));
        json_object_object_add(o, "netlink", nl);
    }
    if (p->has_netdev)
        json_object_object_add(o, "netdev", netdev(&p->netdev));
    return o;
}

static json_object *dev(const struct fprobe_dev *d)
{
    json_object *o = RECORD(d, dev_fields), *ports = json_object_new_array();
    for (size_t i = 0; i < d->n_ports; i++)
        json_object_array_add(ports, port(&d->ports[i]));
    json_object_object_add(o, "ports", ports);
    if (d->nl.seen)
        json_object_object_add(o, "netlink", RECORD(&d->nl, nl_dev_fields));
    return o;
}

json_object *fprobe_inventory_json(const struct fprobe_inventory *inv)
{
    json_object *o = json_object_new_object(), *devs = json_object_new_array();
    json_object_object_add(o, "hostname", json_object_new_string(inv->hostname));
    json_object_object_add(o, "sysfs_root", json_object_new_string(inv->sysfs_root));
    json_object_object_add(o, "rdma_netlink", json_object_new_boolean(inv->netlink_ok));
    for (size_t i = 0; i < inv->n_devs; i++)
        json_object_array_add(devs, dev(&inv->devs[i]));
    json_object_object_add(o, "devices", devs);
    return o;
}

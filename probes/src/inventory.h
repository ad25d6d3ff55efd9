/* The local host's RDMA inventory: devices and ports as sysfs, RDMA netlink
 * and rtnetlink see them. */
#ifndef FPROBE_INVENTORY_H
#define FPROBE_INVENTORY_H

#include <stddef.h>
#include <stdint.h>

#define FPROBE_STR 64

struct fprobe_counter {
    char name[FPROBE_STR];
    uint64_t value;
};

struct fprobe_counters {
    struct fprobe_counter *v;
    size_t n;
};

struct fprobe_gid {
    unsigned index;
    char gid[40];
    char type[FPROBE_STR]; /* "IB/RoCE v1", "RoCE v2", or "" where unknown */
    char netdev[FPROBE_STR];
};

/* The netdev behind a RoCE port, from rtnetlink (and sysfs for the speed). */
struct fprobe_netdev {
    char name[FPROBE_STR];
    int ifindex;
    char mac[24];
    unsigned mtu;
    long speed_mbps; /* -1 where unknown */
    char operstate[16];
    char addrs[4][48]; /* IPv4 and IPv6 addresses with prefix length */
    size_t n_addrs;
};

/* What RDMA netlink says of a port; seen is 0 where it said nothing. */
struct fprobe_nl_port {
    int seen;
    unsigned state, phys_state, lid;
    char netdev[FPROBE_STR];
    unsigned netdev_index;
    struct fprobe_counters stats; /* RDMA_NLDEV_CMD_STAT_GET hw counters */
};

struct fprobe_port {
    unsigned num;
    char state[32], phys_state[32], rate[FPROBE_STR], link_layer[32];
    unsigned lid, sm_lid;
    struct fprobe_gid *gids; /* non-zero entries only */
    size_t n_gids;
    struct fprobe_counters counters, hw_counters;
    struct fprobe_nl_port nl;
    int has_netdev;
    struct fprobe_netdev netdev;
};

struct fprobe_nl_dev {
    int seen;
    unsigned index;
    char node_guid[24], sys_image_guid[24], fw_ver[FPROBE_STR], protocol[16];
};

struct fprobe_dev {
    char name[FPROBE_STR];
    char node_guid[24], sys_image_guid[24], fw_ver[FPROBE_STR], node_type[32];
    char pci_addr[32]; /* "" for a virtual device such as rxe */
    int numa_node;     /* -1 where unknown */
    struct fprobe_port *ports;
    size_t n_ports;
    struct fprobe_nl_dev nl;
};

struct fprobe_inventory {
    char hostname[256];
    char sysfs_root[256];
    struct fprobe_dev *devs;
    size_t n_devs;
    int netlink_ok; /* RDMA netlink answered */
};

/* The sysfs root: $FPROBE_SYSFS_ROOT, else /sys. */
const char *fprobe_sysfs_root(void);

/* Fills inv from sysfs under root; 0, or -1 with the error logged. */
int fprobe_inv_sysfs(struct fprobe_inventory *inv, const char *root);
/* Adds what RDMA netlink says to the devices already found; 0, or -1 when
 * the kernel has no RDMA netlink (logged). */
int fprobe_inv_rdma_nl(struct fprobe_inventory *inv);
/* Fills the netdev of each port that names one; 0, or -1 (logged). */
int fprobe_inv_netdevs(struct fprobe_inventory *inv, const char *root);
/* All three in turn; netlink failures leave their parts empty. */
int fprobe_inventory_read(struct fprobe_inventory *inv);
void fprobe_inventory_free(struct fprobe_inventory *inv);

int fprobe_counters_add(struct fprobe_counters *c, const char *name, uint64_t value);
void fprobe_counters_free(struct fprobe_counters *c);

#endif

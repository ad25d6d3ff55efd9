/* Devices, ports and hw counters from RDMA netlink (NETLINK_RDMA, the nldev
 * client), through libnl-3 raw sockets: what iproute2's `rdma` tool reads. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <rdma/rdma_netlink.h>

#include "inventory.h"
#include "log.h"

#define NL_TIMEOUT_S 2

struct nl_ctx {
    struct fprobe_inventory *inv;
    struct fprobe_dev *dev;   /* PORT_GET and STAT_GET: the device asked about */
    struct fprobe_port *port; /* STAT_GET: the port asked about */
};

static void guid_str(char *buf, size_t size, uint64_t g)
{
    snprintf(buf, size, "%04x:%04x:%04x:%04x", (unsigned)(g >> 48) & 0xffff,
             (unsigned)(g >> 32) & 0xffff, (unsigned)(g >> 16) & 0xffff, (unsigned)g & 0xffff);
}

static int parse(struct nl_msg *msg, struct nlattr **tb)
{
    return nlmsg_parse(nlmsg_hdr(msg), 0, tb, RDMA_NLDEV_ATTR_MAX - 1, NULL);
}

static struct fprobe_dev *dev_named(struct fprobe_inventory *inv, const char *name)
{
    for (size_t i = 0; i < inv->n_devs; i++)
        if (strcmp(inv->devs[i].name, name) == 0)
            return &inv->devs[i];
    return NULL;
}

static int on_dev(struct nl_msg *msg, void *arg)
{
    struct nl_ctx *ctx = arg;
    struct nlattr *tb[RDMA_NLDEV_ATTR_MAX] = {0};
    if (parse(msg, tb) != 0 || !tb[RDMA_NLDEV_ATTR_DEV_NAME] || !tb[RDMA_NLDEV_ATTR_DEV_INDEX])
        return NL_SKIP;
    struct fprobe_dev *dev = dev_named(ctx->inv, nla_get_string(tb[RDMA_NLDEV_ATTR_DEV_NAME]));
    if (dev == NULL)
        return NL_SKIP; /* sysfs lists every device netlink does */
    struct fprobe_nl_dev *nd = &dev->nl;
    nd->seen = 1;
    nd->index = nla_get_u32(tb[RDMA_NLDEV_ATTR_DEV_INDEX]);
    if (tb[RDMA_NLDEV_ATTR_NODE_GUID])
        guid_str(nd->node_guid, sizeof(nd->node_guid), nla_get_u64(tb[RDMA_NLDEV_ATTR_NODE_GUID]));
    if (tb[RDMA_NLDEV_ATTR_SYS_IMAGE_GUID])
        guid_str(nd->sys_image_guid, sizeof(nd->sys_image_guid),
                 nla_get_u64(tb[RDMA_NLDEV_ATTR_SYS_IMAGE_GUID]));
    if (tb[RDMA_NLDEV_ATTR_FW_VERSION])
        snprintf(nd->fw_ver, sizeof(nd->fw_ver), "%s",
                 nla_get_string(tb[RDMA_NLDEV_ATTR_FW_VERSION]));
    if (tb[RDMA_NLDEV_ATTR_DEV_PROTOCOL])
        snprintf(nd->protocol, sizeof(nd->protocol), "%s",
                 nla_get_string(tb[RDMA_NLDEV_ATTR_DEV_PROTOCOL]));
    return NL_OK;
}

static struct fprobe_port *port_num(struct fprobe_dev *dev, unsigned num)
{
    for (size_t i = 0; i < dev->n_ports; i++)
        if (dev->ports[i].num == num)
            return &dev->ports[i];
    return NULL;
}

static int on_port(struct nl_msg *msg, void *arg)
{
    struct nl_ctx *ctx = arg;
    struct nlattr *tb[RDMA_NLDEV_ATTR_MAX] = {0};
    if (parse(msg, tb) != 0 || !tb[RDMA_NLDEV_ATTR_PORT_INDEX])
        return NL_SKIP;
    struct fprobe_port *p = port_num(ctx->dev, nla_get_u32(tb[RDMA_NLDEV_ATTR_PORT_INDEX]));
    if (p == NULL)
        return NL_SKIP;
    struct fprobe_nl_port *np = &p->nl;
    np->seen = 1;
    if (tb[RDMA_NLDEV_ATTR_PORT_STATE])
        np->state = nla_get_u8(tb[RDMA_NLDEV_ATTR_PORT_STATE]);
    if (tb[RDMA_NLDEV_ATTR_PORT_PHYS_STATE])
        np->phys_state = nla_get_u8(tb[RDMA_NLDEV_ATTR_PORT_PHYS_STATE]);
    if (tb[RDMA_NLDEV_ATTR_LID])
        np->lid = nla_get_u32(tb[RDMA_NLDEV_ATTR_LID]);
    if (tb[RDMA_NLDEV_ATTR_NDEV_INDEX])
        np->netdev_index = nla_get_u32(tb[RDMA_NLDEV_ATTR_NDEV_INDEX]);
    if (tb[RDMA_NLDEV_ATTR_NDEV_NAME])
        snprintf(np->netdev, sizeof(np->netdev), "%s",
                 nla_get_string(tb[RDMA_NLDEV_ATTR_NDEV_NAME]));
    return NL_OK;
}

static int on_stat(struct nl_msg *msg, void *arg)
{
    struct nl_ctx *ctx = arg;
    struct nlattr *tb[RDMA_NLDEV_ATTR_MAX] = {0};
    if (parse(msg, tb) != 0 || !tb[RDMA_NLDEV_ATTR_STAT_HWCOUNTERS])
        return NL_SKIP;
    struct nlattr *entry;
    int rem;
    nla_for_each_nested(entry, tb[RDMA_NLDEV_ATTR_STAT_HWCOUNTERS], rem)
    {
        struct nlattr *e[RDMA_NLDEV_ATTR_MAX] = {0};
        if (nla_parse_nested(e, RDMA_NLDEV_ATTR_MAX - 1, entry, NULL) != 0 ||
            !e[RDMA_NLDEV_ATTR_STAT_HWCOUNTER_ENTRY_NAME] ||
            !e[RDMA_NLDEV_ATTR_STAT_HWCOUNTER_ENTRY_VALUE])
            continue;
        if (fprobe_counters_add(&ctx->port->nl.stats,
                                nla_get_string(e[RDMA_NLDEV_ATTR_STAT_HWCOUNTER_ENTRY_NAME]),
                                nla_get_u64(e[RDMA_NLDEV_ATTR_STAT_HWCOUNTER_ENTRY_VALUE])) != 0)
            return NL_STOP;
    }
    return NL_OK;
}

/* One request (a dump when dump is set) and its answers through cb. */
static int request(struct nl_sock *sk, int cmd, int dump, const struct fprobe_dev *dev,
                   unsigned port, nl_recvmsg_msg_cb_t cb, struct nl_ctx *ctx)
{
    int flags = NLM_F_REQUEST | (dump ? NLM_F_DUMP : 0);
    struct nl_msg *msg = nlmsg_alloc_simple(RDMA_NL_GET_TYPE(RDMA_NL_NLDEV, cmd), flags);
    if (msg == NULL)
        return -NLE_NOMEM;
    int rc = 0;
    if (dev != NULL)
        rc = nla_put_u32(msg, RDMA_NLDEV_ATTR_DEV_INDEX, dev->nl.index);
    if (rc == 0 && port != 0)
        rc = nla_put_u32(msg, RDMA_NLDEV_ATTR_PORT_INDEX, port);
    if (rc == 0)
        rc = nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, cb, ctx);
    if (rc == 0)
        rc = nl_send_auto(sk, msg);
    nlmsg_free(msg);
    if (rc < 0)
        return rc;
    rc = nl_recvmsgs_default(sk);
    return rc < 0 ? rc : 0;
}

static int query_all(struct nl_sock *sk, struct fprobe_inventory *inv)
{
    struct nl_ctx ctx = {.inv = inv};
    int rc = request(sk, RDMA_NLDEV_CMD_GET, 1, NULL, 0, on_dev, &ctx);
    for (size_t i = 0; rc == 0 && i < inv->n_devs; i++) {
        ctx.dev = &inv->devs[i];
        if (!ctx.dev->nl.seen)
            continue;
        rc = request(sk, RDMA_NLDEV_CMD_PORT_GET, 1, ctx.dev, 0, on_port, &ctx);
        for (size_t j = 0; rc == 0 && j < ctx.dev->n_ports; j++) {
            ctx.port = &ctx.dev->ports[j];
            /* A device without hw counters answers EOPNOTSUPP: not an error. */
            int src =
                request(sk, RDMA_NLDEV_CMD_STAT_GET, 0, ctx.dev, ctx.port->num, on_stat, &ctx);
            if (src != 0 && src != -NLE_OPNOTSUPP && src != -NLE_INVAL)
                rc = src;
        }
    }
    return rc;
}

int fprobe_inv_rdma_nl(struct fprobe_inventory *inv)
{
    struct nl_sock *sk = nl_socket_alloc();
    if (sk == NULL) {
        fprobe_log("rdma netlink: out of memory");
        return -1;
    }
    nl_socket_disable_auto_ack(sk);
    int rc = nl_connect(sk, NETLINK_RDMA);
    if (rc == 0) {
        struct timeval tv = {.tv_sec = NL_TIMEOUT_S};
        setsockopt(nl_socket_get_fd(sk), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        rc = query_all(sk, inv);
    }
    nl_socket_free(sk);
    if (rc != 0) {
        fprobe_log("rdma netlink: %s", nl_geterror(rc));
        return -1;
    }
    inv->netlink_ok = 1;
    return 0;
}

/* The conversion from libibnetdisc's fabric to the model, on fabrics built
 * in memory the way a sweep leaves them: PortInfo decoded as ibnetdiscover
 * decodes it (extended speeds only when the capability mask allows them,
 * port 0's mask for switches, FDR10 from Mellanox's extended port info),
 * every cable once, descriptions made printable, bad links refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <infiniband/ibnetdisc.h>
#include <infiniband/mad.h>

#include "ibnd_convert.h"

#define CAP_HAS_EXT_SPEEDS 0x4000
#define MAX_PORTS          4

typedef struct sim_node {
    ibnd_node_t node;
    ibnd_port_t port[MAX_PORTS + 1];
    ibnd_port_t *ptrs[MAX_PORTS + 1];
} sim_node;

static void init_node(sim_node *n, int type, uint64_t guid, int ports, const char *desc,
                      ibnd_node_t *next)
{
    memset(n, 0, sizeof(*n));
    n->node.type = type;
    n->node.guid = guid;
    n->node.numports = ports;
    n->node.ports = n->ptrs;
    n->node.next = next;
    mad_set_field64(n->node.info, 0, IB_NODE_SYSTEM_GUID_F, guid);
    snprintf(n->node.nodedesc, sizeof(n->node.nodedesc), "%s", desc);
    /* Switches have management port 0; it carries their capability mask. */
    if (type == IB_NODE_SWITCH) {
        n->ptrs[0] = &n->port[0];
        n->port[0].node = &n->node;
        n->port[0].guid = guid;
        mad_set_field(n->port[0].info, 0, IB_PORT_CAPMASK_F, CAP_HAS_EXT_SPEEDS);
    }
}

/* Port `num` is up at 4x with these speed fields. */
static ibnd_port_t *up_port(sim_node *n, int num, unsigned speed, unsigned ext, unsigned cap)
{
    ibnd_port_t *p = &n->port[num];
    n->ptrs[num] = p;
    p->node = &n->node;
    p->portnum = num;
    p->guid = n->node.type == IB_NODE_SWITCH ? n->node.guid : n->node.guid + (uint64_t)num;
    mad_set_field(p->info, 0, IB_PORT_STATE_F, 4);
    mad_set_field(p->info, 0, IB_PORT_PHYS_STATE_F, 5);
    mad_set_field(p->info, 0, IB_PORT_LINK_WIDTH_ACTIVE_F, 2);
    mad_set_field(p->info, 0, IB_PORT_LINK_SPEED_ACTIVE_F, speed);
    mad_set_field(p->info, 0, IB_PORT_LINK_SPEED_EXT_ACTIVE_F, ext);
    mad_set_field(p->info, 0, IB_PORT_CAPMASK_F, cap);
    return p;
}

static void cable(ibnd_port_t *a, ibnd_port_t *b)
{
    a->remoteport = b;
    b->remoteport = a;
}

typedef struct world {
    sim_node sw, ca1, ca2, ca3;
    ibnd_fabric_t fabric;
} world;

/* A switch with: port 1 EDR to CA 1, port 2 QDR that Mellanox's extended
 * port info calls FDR10 to CA 2, port 3 to CA 3 whose capability mask
 * denies extended speeds (so its stray EDR bits mean nothing), port 4 down. */
static void build(world *w)
{
    memset(w, 0, sizeof(*w));
    init_node(&w->ca3, IB_NODE_CA, 0x300, 1, "node003 HCA-1", NULL);
    init_node(&w->ca2, IB_NODE_CA, 0x200, 1, "node002 HCA-1", &w->ca3.node);
    init_node(&w->ca1, IB_NODE_CA, 0x100, 1, "node001\tHCA-1\n", &w->ca2.node);
    init_node(&w->sw, IB_NODE_SWITCH, 0x10, MAX_PORTS, "leaf01", &w->ca1.node);
    w->sw.node.smalid = 9;
    cable(up_port(&w->sw, 1, 4, 2, 0), up_port(&w->ca1, 1, 4, 2, CAP_HAS_EXT_SPEEDS));
    ibnd_port_t *p2 = up_port(&w->sw, 2, 4, 0, 0);
    ibnd_port_t *c2 = up_port(&w->ca2, 1, 4, 0, CAP_HAS_EXT_SPEEDS);
    mad_set_field(p2->ext_info, 0, IB_MLNX_EXT_PORT_LINK_SPEED_ACTIVE_F, 1);
    mad_set_field(c2->ext_info, 0, IB_MLNX_EXT_PORT_LINK_SPEED_ACTIVE_F, 1);
    cable(p2, c2);
    cable(up_port(&w->sw, 3, 4, 0, 0), up_port(&w->ca3, 1, 4, 2, 0));
    ibnd_port_t *down = up_port(&w->sw, 4, 4, 0, 0);
    mad_set_field(down->info, 0, IB_PORT_PHYS_STATE_F, 2);
    mad_set_field(down->info, 0, IB_PORT_STATE_F, 1);
    w->fabric.nodes = &w->sw.node;
}

static ftopo_link_speed speed_of(const ftopo_fabric *f, uint64_t guid)
{
    ftopo_node_id n;
    assert_int_equal(ftopo_find_by_guid(f, guid, &n), FTOPO_OK);
    ftopo_port_info port;
    assert_int_equal(ftopo_port_get(f, n, 1, &port), FTOPO_OK);
    ftopo_link_info link;
    assert_int_equal(ftopo_link_get(f, port.link, &link), FTOPO_OK);
    assert_int_equal(link.width, FTOPO_WIDTH_4X);
    return link.speed;
}

static void test_speeds_decoded_like_ibnetdiscover(void **state)
{
    (void)state;
    world w;
    build(&w);
    ftopo_fabric *f = NULL;
    ftopo_diag diag = {0};
    assert_int_equal(ftopo__from_ibnd(&w.fabric, "test", &f, &diag), FTOPO_OK);
    assert_int_equal(ftopo_num_nodes(f), 4);
    assert_int_equal(ftopo_num_links(f), 3); /* each cable once */
    assert_int_equal(speed_of(f, 0x100), FTOPO_SPEED_EDR);
    assert_int_equal(speed_of(f, 0x200), FTOPO_SPEED_FDR10);
    assert_int_equal(speed_of(f, 0x300), FTOPO_SPEED_QDR);

    ftopo_node_id sw, ca1;
    assert_int_equal(ftopo_find_by_guid(f, 0x10, &sw), FTOPO_OK);
    ftopo_node_info info;
    assert_int_equal(ftopo_node_get(f, sw, &info), FTOPO_OK);
    assert_int_equal(info.lid, 9);
    ftopo_port_info port;
    assert_int_equal(ftopo_port_get(f, sw, 4, &port), FTOPO_OK);
    assert_int_equal(port.state, FTOPO_PORT_DOWN);
    assert_int_equal(port.width, FTOPO_WIDTH_UNKNOWN);
    assert_int_equal(port.speed, FTOPO_SPEED_UNKNOWN);

    assert_int_equal(ftopo_find_by_guid(f, 0x101, &ca1), FTOPO_OK); /* by port GUID */
    assert_int_equal(ftopo_node_get(f, ca1, &info), FTOPO_OK);
    assert_string_equal(info.desc, "node001 HCA-1 ");
    ftopo_fabric_destroy(f);
}

/* Without port 0 a switch's capability mask is unknown: no extended speed. */
static void test_switch_without_port0(void **state)
{
    (void)state;
    world w;
    build(&w);
    w.sw.ptrs[0] = NULL;
    ftopo_fabric *f = NULL;
    assert_int_equal(ftopo__from_ibnd(&w.fabric, "test", &f, NULL), FTOPO_OK);
    ftopo_node_id sw;
    assert_int_equal(ftopo_find_by_guid(f, 0x10, &sw), FTOPO_OK);
    ftopo_port_info port;
    assert_int_equal(ftopo_port_get(f, sw, 1, &port), FTOPO_OK);
    assert_int_equal(port.speed, FTOPO_SPEED_QDR);
    ftopo_fabric_destroy(f);
}

static void test_link_to_unknown_node(void **state)
{
    (void)state;
    world w;
    build(&w);
    w.ca2.node.next = NULL; /* CA 3 is cabled but not in the node list */
    ftopo_fabric *f = NULL;
    ftopo_diag diag = {0};
    assert_int_equal(ftopo__from_ibnd(&w.fabric, "sweep", &f, &diag), FTOPO_ERR_PARSE);
    assert_null(f);
    assert_non_null(strstr(diag.message, "sweep: node 0x0000000000000010 port 3"));
}

static void test_bad_node_is_refused(void **state)
{
    (void)state;
    world w;
    build(&w);
    w.ca1.node.type = 7;
    ftopo_fabric *f = NULL;
    ftopo_diag diag = {0};
    assert_int_equal(ftopo__from_ibnd(&w.fabric, "sweep", &f, &diag), FTOPO_ERR_ARG);
    assert_null(f);
    assert_non_null(strstr(diag.message, "node 0x0000000000000100"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_speeds_decoded_like_ibnetdiscover),
        cmocka_unit_test(test_switch_without_port0),
        cmocka_unit_test(test_link_to_unknown_node),
        cmocka_unit_test(test_bad_node_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

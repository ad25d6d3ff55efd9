/* The sysfs inventory against a fake /sys tree made here: two devices (one
 * PCI HCA with IB and RoCE ports, one virtual rxe), GIDs with types,
 * counters and hw_counters; the RoCE port's netdev is lo, so that rtnetlink
 * has a real link to describe. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "inv_json.h"
#include "inventory.h"

static void put(const char *root, const char *rel, const char *text)
{
    char path[1024], dir[1024];
    snprintf(path, sizeof(path), "%s/%s", root, rel);
    for (char *p = strchr(path + strlen(root) + 1, '/'); p != NULL; p = strchr(p + 1, '/')) {
        snprintf(dir, sizeof(dir), "%.*s", (int)(p - path), path);
        mkdir(dir, 0755);
    }
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void make_tree(const char *root)
{
    const char *ib = "class/infiniband";
    char rel[512], link[1024], target[1024];
    snprintf(rel, sizeof(rel), "%s/mlx5_0/node_guid", ib);
    put(root, rel, "0c42:a103:0012:3456\n");
    snprintf(rel, sizeof(rel), "%s/mlx5_0/sys_image_guid", ib);
    put(root, rel, "0c42:a103:0012:3456\n");
    snprintf(rel, sizeof(rel), "%s/mlx5_0/fw_ver", ib);
    put(root, rel, "16.35.2000\n");
    snprintf(rel, sizeof(rel), "%s/mlx5_0/node_type", ib);
    put(root, rel, "1: CA\n");
    put(root, "devices/pci0000:3a/0000:3b:00.0/numa_node", "1\n");
    snprintf(link, sizeof(link), "%s/%s/mlx5_0/device", root, ib);
    snprintf(target, sizeof(target), "%s/devices/pci0000:3a/0000:3b:00.0", root);
    assert_int_equal(symlink(target, link), 0);

    const char *p1 = "class/infiniband/mlx5_0/ports/1";
    const char *files[][2] = {
        {"state", "4: ACTIVE\n"},
        {"phys_state", "5: LinkUp\n"},
        {"rate", "100 Gb/sec (4X EDR)\n"},
        {"link_layer", "InfiniBand\n"},
        {"lid", "0x2a\n"},
        {"sm_lid", "0x1\n"},
        {"gids/0", "fe80:0000:0000:0000:0c42:a103:0012:3456\n"},
        {"gids/1", "0000:0000:0000:0000:0000:0000:0000:0000\n"},
        {"counters/port_xmit_data", "123456789\n"},
        {"counters/port_rcv_data", "987\n"},
        {"counters/symbol_error", "3\n"},
        {"hw_counters/rx_write_requests", "42\n"},
    };
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        snprintf(rel, sizeof(rel), "%s/%s", p1, files[i][0]);
        put(root, rel, files[i][1]);
    }
    const char *p2 = "class/infiniband/mlx5_0/ports/2";
    const char *roce[][2] = {
        {"state", "1: DOWN\n"},
        {"phys_state", "3: Disabled\n"},
        {"rate", "10 Gb/sec (1X QDR)\n"},
        {"link_layer", "Ethernet\n"},
        {"lid", "0x0\n"},
        {"gids/0", "fe80:0000:0000:0000:0000:0000:0000:0001\n"},
        {"gids/3", "0000:0000:0000:0000:0000:ffff:7f00:0001\n"},
        {"gid_attrs/types/0", "IB/RoCE v1\n"},
        {"gid_attrs/types/3", "RoCE v2\n"},
        {"gid_attrs/ndevs/0", "lo\n"},
        {"gid_attrs/ndevs/3", "lo\n"},
    };
    for (size_t i = 0; i < sizeof(roce) / sizeof(roce[0]); i++) {
        snprintf(rel, sizeof(rel), "%s/%s", p2, roce[i][0]);
        put(root, rel, roce[i][1]);
    }
    put(root, "class/infiniband/rxe0/node_guid", "5054:00ff:fe12:3456\n");
    put(root, "class/infiniband/rxe0/ports/1/state", "4: ACTIVE\n");
    put(root, "class/infiniband/rxe0/ports/1/link_layer", "Ethernet\n");
    put(root, "class/net/lo/speed", "-1\n");
}

static int setup(void **state)
{
    char *root = strdup("/tmp/fprobe-sysfs-XXXXXX");
    assert_non_null(mkdtemp(root));
    make_tree(root);
    *state = root;
    return 0;
}

static int teardown(void **state)
{
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", (char *)*state);
    assert_int_equal(system(cmd), 0);
    free(*state);
    return 0;
}

static void test_devices_and_ports(void **state)
{
    struct fprobe_inventory inv = {0};
    assert_int_equal(fprobe_inv_sysfs(&inv, *state), 0);
    assert_int_equal(inv.n_devs, 2);
    const struct fprobe_dev *d = &inv.devs[0];
    assert_string_equal(d->name, "mlx5_0");
    assert_string_equal(d->node_guid, "0c42:a103:0012:3456");
    assert_string_equal(d->sys_image_guid, "0c42:a103:0012:3456");
    assert_string_equal(d->fw_ver, "16.35.2000");
    assert_string_equal(d->pci_addr, "0000:3b:00.0");
    assert_int_equal(d->numa_node, 1);
    assert_int_equal(d->n_ports, 2);
    const struct fprobe_port *p = &d->ports[0];
    assert_int_equal(p->num, 1);
    assert_string_equal(p->state, "4: ACTIVE");
    assert_string_equal(p->rate, "100 Gb/sec (4X EDR)");
    assert_string_equal(p->link_layer, "InfiniBand");
    assert_int_equal(p->lid, 42);
    assert_int_equal(p->sm_lid, 1);
    assert_int_equal(p->n_gids, 1); /* the zero GID is left out */
    assert_string_equal(p->gids[0].gid, "fe80:0000:0000:0000:0c42:a103:0012:3456");
    assert_int_equal(p->counters.n, 3);
    assert_string_equal(p->counters.v[0].name, "port_rcv_data"); /* sorted */
    assert_int_equal(p->counters.v[1].value, 123456789);
    assert_int_equal(p->hw_counters.n, 1);
    assert_int_equal(p->hw_counters.v[0].value, 42);

    const struct fprobe_dev *rxe = &inv.devs[1];
    assert_string_equal(rxe->name, "rxe0");
    assert_string_equal(rxe->pci_addr, "");
    assert_int_equal(rxe->numa_node, -1);
    assert_int_equal(rxe->n_ports, 1);
    fprobe_inventory_free(&inv);
}

static void test_roce_port_and_netdev(void **state)
{
    struct fprobe_inventory inv = {0};
    assert_int_equal(fprobe_inv_sysfs(&inv, *state), 0);
    struct fprobe_port *p = &inv.devs[0].ports[1];
    assert_int_equal(p->num, 2);
    assert_int_equal(p->n_gids, 2);
    assert_int_equal(p->gids[1].index, 3);
    assert_string_equal(p->gids[1].type, "RoCE v2");
    assert_string_equal(p->gids[1].netdev, "lo");
    assert_int_equal(fprobe_inv_netdevs(&inv, *state), 0);
    assert_true(p->has_netdev);
    assert_string_equal(p->netdev.name, "lo");
    assert_int_equal(p->netdev.ifindex, 1);
    assert_int_equal(p->netdev.mtu, 65536);
    assert_int_equal(p->netdev.speed_mbps, -1);
    assert_false(inv.devs[0].ports[0].has_netdev); /* IB: no netdev */

    json_object *o = fprobe_inventory_json(&inv);
    const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
    assert_non_null(strstr(text, "\"pci_addr\":\"0000:3b:00.0\""));
    assert_non_null(strstr(text, "\"type\":\"RoCE v2\""));
    assert_non_null(strstr(text, "\"port_xmit_data\":123456789"));
    json_object_put(o);
    fprobe_inventory_free(&inv);
}

static void test_no_rdma(void **state)
{
    (void)state;
    struct fprobe_inventory inv = {0};
    assert_int_equal(fprobe_inv_sysfs(&inv, "/nonexistent-sysfs"), 0);
    assert_int_equal(inv.n_devs, 0);
    fprobe_inventory_free(&inv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_devices_and_ports, setup, teardown),
        cmocka_unit_test_setup_teardown(test_roce_port_and_netdev, setup, teardown),
        cmocka_unit_test(test_no_rdma),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

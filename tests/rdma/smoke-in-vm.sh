#!/usr/bin/env bash
# Runs inside the RDMA VM (scripts/vm-run.sh): checks that Soft-RoCE works
# the way the ib transport needs it: rxe0 ACTIVE, a RoCE v2 IPv4-mapped GID,
# RC send/recv and RDMA WRITE between two processes on the one rxe device.
# Prints the ibv_rc_pingpong latency and the ib_write_bw bandwidth.
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
# shellcheck source=tests/rdma/lib-in-vm.sh
. "$here/lib-in-vm.sh"

dev=${FM_VM_IBDEV:-rxe0}
addr=${FM_VM_ADDR:-10.77.0.1}
log=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$log"' EXIT

if rdma link show "$dev/1" | grep -q 'state ACTIVE'; then
    ok "rdma link: $dev/1 ACTIVE"
else
    not_ok "rdma link: $dev/1 not ACTIVE: $(rdma link show 2>&1)"
fi

if ibv_devinfo -v -d "$dev" >"$log/devinfo" 2>&1 &&
    grep -q "::ffff:$addr, RoCE v2" "$log/devinfo"; then
    ok "ibv_devinfo: $dev has GID ::ffff:$addr RoCE v2"
else
    not_ok "ibv_devinfo: no RoCE v2 GID ::ffff:$addr on $dev"
    cat "$log/devinfo"
fi

if ! gid=$(roce_v2_gid_index "$dev" "$addr"); then
    not_ok "sysfs: no RoCE v2 GID index for $addr"
    echo "# failures: $fail_count"
    exit 1
fi
ok "sysfs: RoCE v2 GID index $gid"

# RC send/recv ping-pong, 4 KiB, server and client on the one device.
port=18515
timeout 120 ibv_rc_pingpong -d "$dev" -g "$gid" -p $port -s 4096 -n 200 >"$log/pp-srv" 2>&1 &
srv=$!
if wait_port $port && timeout 120 ibv_rc_pingpong -d "$dev" -g "$gid" -p $port -s 4096 -n 200 \
    "$addr" >"$log/pp-cli" 2>&1 && wait $srv; then
    ok "ibv_rc_pingpong 4 KiB: $(grep usec/iter "$log/pp-cli")"
else
    not_ok "ibv_rc_pingpong"
    cat "$log/pp-srv" "$log/pp-cli"
fi
wait $srv 2>/dev/null || true

# RDMA WRITE bandwidth, 1 MiB messages (the bound for the ib transport).
port=18516
timeout 180 ib_write_bw -d "$dev" -x "$gid" -p $port -F -s 1048576 -n 200 >"$log/bw-srv" 2>&1 &
srv=$!
if wait_port $port && timeout 180 ib_write_bw -d "$dev" -x "$gid" -p $port -F -s 1048576 -n 200 \
    "$addr" >"$log/bw-cli" 2>&1 && wait $srv; then
    # Result line: bytes iterations peak average msgrate.
    bw=$(awk '$1 == 1048576 && NF >= 5 { print $4 }' "$log/bw-cli")
    ok "ib_write_bw 1 MiB: ${bw:-?} MB/s average"
    [ -z "${FM_RDMA_RESULTS:-}" ] || echo "ib_write_bw_1MiB_MBps=$bw" >>"$FM_RDMA_RESULTS"
else
    not_ok "ib_write_bw"
    cat "$log/bw-srv" "$log/bw-cli"
fi
wait $srv 2>/dev/null || true

echo "# smoke failures: $fail_count"
[ "$fail_count" -eq 0 ]

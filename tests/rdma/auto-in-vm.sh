#!/usr/bin/env bash
# Runs inside the RDMA VM: the transport libfcoll picks by itself (no
# FCOLL_TRANSPORT). Two ranks act as two hosts when they live in different
# network namespaces (rank 1 in its own, reaching rank 0 over the veth
# pair), as on a cluster; both still see rxe0 (RDMA devices are shared
# between namespaces).
#   same namespace                      -> shm
#   two hosts, RDMA on both             -> ib
#   two hosts, no usable RDMA on one    -> tcp, with a FCOLL_DEBUG note
#   two hosts, ib fails to set up on one (QP exchange) -> tcp on both
# usage: auto-in-vm.sh BUILD_DIR
set -uo pipefail
here=$(dirname "$(readlink -f "$0")")
# shellcheck source=tests/rdma/lib-in-vm.sh
. "$here/lib-in-vm.sh"
build=$(readlink -f "${1:?usage: auto-in-vm.sh BUILD_DIR}")
perf=$build/bin/fcoll-perf
ns=fmhost1
log=$(mktemp -d)
trap 'ip netns del $ns 2>/dev/null; rm -rf "$log"' EXIT

ip netns add $ns
ip link set v1 netns $ns
ip -n $ns addr add 10.77.0.2/24 dev v1
ip -n $ns link set v1 up
ip -n $ns link set lo up
unset FCOLL_TRANSPORT

# Runs a 2-rank allreduce, rank 1 in namespace $1 ("" = rank 0's) with the
# extra environment $2; prints what rank 0 reports as rank 1's transport.
port=29600
pair() {
    local where=$1 extra=()
    [ -z "$2" ] || extra=("$2")
    port=$((port + 1))
    local common=(WORLD_SIZE=2 MASTER_ADDR=10.77.0.1 "MASTER_PORT=$port" FCOLL_DEBUG=DEBUG
        FCOLL_TIMEOUT=120)
    env "${common[@]}" RANK=0 timeout 180 "$perf" allreduce -b 1M -e 1M -n 2 -w 1 \
        >"$log/r0" 2>"$log/e0" &
    local r0=$!
    if [ -n "$where" ]; then
        ip netns exec "$where" env "${common[@]}" RANK=1 "${extra[@]}" timeout 180 "$perf" allreduce \
            -b 1M -e 1M -n 2 -w 1 >"$log/r1" 2>"$log/e1"
    else
        env "${common[@]}" RANK=1 "${extra[@]}" timeout 180 "$perf" allreduce -b 1M -e 1M -n 2 -w 1 \
            >"$log/r1" 2>"$log/e1"
    fi
    local rc1=$? rc0=0
    wait $r0 || rc0=$?
    if [ $rc0 -ne 0 ] || [ $rc1 -ne 0 ]; then
        echo "failed ($rc0/$rc1)"
        tail -3 "$log/e0" "$log/e1" >&2
        return
    fi
    sed -n 's/^# Transports from rank 0:.* 1=\([a-z]*\).*/\1/p' "$log/r0"
}

check() { # name expected got
    if [ "$3" = "$2" ]; then ok "$1: $3"; else not_ok "$1: $3, expected $2"; fi
}

check "same host" shm "$(pair "" "")"
check "two hosts with RDMA" ib "$(pair $ns "")"
got=$(pair $ns FCOLL_IB_HCA=no_such_hca)
check "two hosts, no RDMA device on one" tcp "$got"
if grep -q "peer 1: tcp, no RDMA device with an active port on its side" "$log/e0"; then
    ok "FCOLL_DEBUG says why: $(grep -m1 'peer 1: tcp' "$log/e0")"
else
    not_ok "no FCOLL_DEBUG note on rank 0"
    cat "$log/e0"
fi
got=$(pair $ns FCOLL_IB_GID_INDEX=200)
check "two hosts, ib set-up fails on one" tcp "$got"
if grep -q "ib not set up on every rank (not on rank [01]): tcp for 1 peer" "$log/e0"; then
    ok "FCOLL_DEBUG says why: $(grep -m1 'ib not set up on every rank' "$log/e0")"
else
    not_ok "no FCOLL_DEBUG note about the failed ib set-up on rank 0"
    cat "$log/e0"
fi
echo "# auto transport failures: $fail_count"
[ "$fail_count" -eq 0 ]

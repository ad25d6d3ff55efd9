#!/usr/bin/env bash
# Runs one command as N ranks, each in its own network namespace, the ranks
# joined by veth pairs to a Linux bridge in a further namespace (DESIGN 4.3):
# N hosts on one machine, talking TCP over real interfaces. Every rank gets
# torchrun's environment with MASTER_ADDR on rank 0's address, and the tcp
# transport on eth0 is forced: namespaces share the hostname and /dev/shm,
# so the library would otherwise pick shm for them.
#
# usage: netns-run.sh N COMMAND [ARGS...]
# Exit status: 77 (skip) when namespaces cannot be made, else the worst
# rank status; when one rank fails the others are killed, since they could
# only wait for it. Namespaces are removed on every exit.
set -u
n=$1
shift
timeout_s=${NETNS_RUN_TIMEOUT:-120}

if [ "$(id -u)" -ne 0 ]; then
    echo "SKIP: netns test needs root (ip netns add)"
    exit 77
fi
if ! command -v ip >/dev/null; then
    echo "SKIP: iproute2 (ip) not installed"
    exit 77
fi

# Names unique to this run, so parallel tests and leftovers never clash.
tag="fcoll$$-$(od -An -N2 -tx2 /dev/urandom | tr -d ' ')"
sw="$tag-sw"
namespaces=""
pids=""
cleanup() {
    for p in $pids; do kill -9 "$p" 2>/dev/null; done
    for ns in $namespaces; do ip netns del "$ns" 2>/dev/null; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if ! ip netns add "$sw" 2>/tmp/"$tag".err; then
    echo "SKIP: cannot create a network namespace: $(cat /tmp/"$tag".err)"
    rm -f /tmp/"$tag".err
    exit 77
fi
rm -f /tmp/"$tag".err
namespaces="$sw"
set -e
ip -n "$sw" link add br0 type bridge
ip -n "$sw" link set br0 up
i=0
while [ "$i" -lt "$n" ]; do
    ns="$tag-r$i"
    ip netns add "$ns"
    namespaces="$namespaces $ns"
    ip -n "$sw" link add "p$i" type veth peer name eth0 netns "$ns"
    ip -n "$sw" link set "p$i" master br0 up
    ip -n "$ns" addr add "10.77.0.$((i + 1))/24" dev eth0
    ip -n "$ns" link set eth0 up
    ip -n "$ns" link set lo up
    i=$((i + 1))
done
set +e
echo "netns-run: $n ranks in namespaces $tag-r0..r$((n - 1)), bridge in $sw"

i=0
while [ "$i" -lt "$n" ]; do
    ip netns exec "$tag-r$i" env RANK="$i" WORLD_SIZE="$n" LOCAL_RANK=0 LOCAL_WORLD_SIZE=1 \
        MASTER_ADDR=10.77.0.1 MASTER_PORT=29500 FCOLL_TRANSPORT=tcp FCOLL_SOCKET_IFNAME==eth0 \
        timeout "$timeout_s" "$@" &
    pids="$pids $!"
    i=$((i + 1))
done

worst=0
stopping=0
left=$n
while [ "$left" -gt 0 ]; do
    wait -n -p done_pid $pids
    rc=$?
    left=$((left - 1))
    pids=$(echo "$pids" | tr ' ' '\n' | grep -vx "$done_pid" | tr '\n' ' ')
    # Ranks we stopped report only that (timeout's 124, or SIGTERM/SIGKILL).
    if [ "$stopping" = 1 ] && { [ "$rc" = 124 ] || [ "$rc" = 137 ] || [ "$rc" = 143 ]; }; then
        continue
    fi
    if [ "$rc" -gt "$worst" ]; then
        worst=$rc
    fi
    if [ "$rc" -ne 0 ] && [ "$stopping" = 0 ]; then
        stopping=1
        [ "$left" -gt 0 ] && echo "netns-run: a rank exited with $rc, stopping the others"
        for p in $pids; do kill "$p" 2>/dev/null; done
    fi
done
echo "netns-run: worst rank status $worst"
exit "$worst"

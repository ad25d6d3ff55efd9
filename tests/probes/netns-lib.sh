# shellcheck shell=bash
# Sourced: a fabric of 8 hosts in network namespaces (DESIGN 4.3) for the
# probe tests and benchmarks. Hosts PREFIX-h1..h8 (10.88.0.1..8) sit on two
# leaf switches, bridges bra and brb in PREFIX-sw, joined by one
# inter-switch link that tbf limits to RATE both ways; odd hosts are on leaf
# a, even on leaf b, so host-name order alternates between the leaves.
# Each host runs `fabprobe serve` on its address.

# fp_fabric_up PREFIX RATE FABPROBE: 0, or 77 without root or netns.
fp_fabric_up() {
    local p=$1 rate=$2 fabprobe=$3 sw=$1-sw i ns leaf
    if [ "$(id -u)" != 0 ] || ! ip netns add "$sw" 2>/dev/null; then
        echo "SKIP: needs root and network namespaces"
        return 77
    fi
    ip netns exec "$sw" ip link set lo up
    for leaf in a b; do
        ip netns exec "$sw" ip link add "br$leaf" type bridge
        ip netns exec "$sw" ip link set "br$leaf" up
    done
    ip netns exec "$sw" ip link add isl-a type veth peer name isl-b
    ip netns exec "$sw" ip link set isl-a master bra up
    ip netns exec "$sw" ip link set isl-b master brb up
    for leaf in isl-a isl-b; do
        ip netns exec "$sw" tc qdisc add dev "$leaf" root tbf rate "$rate" burst 32kb latency 100ms
    done
    for i in $(seq 1 8); do
        ns=$p-h$i
        leaf=$([ $((i % 2)) = 1 ] && echo a || echo b)
        ip netns add "$ns"
        ip link add "$p-e$i" type veth peer name eth0 netns "$ns"
        ip link set "$p-e$i" netns "$sw"
        ip netns exec "$sw" ip link set "$p-e$i" master "br$leaf" up
        ip netns exec "$ns" ip link set lo up
        ip netns exec "$ns" ip addr add "10.88.0.$i/24" dev eth0
        ip netns exec "$ns" ip link set eth0 up
        ip netns exec "$ns" "$fabprobe" serve --listen "10.88.0.$i" 2>/dev/null &
    done
    for i in $(seq 1 8); do
        for _ in $(seq 50); do
            ip netns exec "$p-h1" "$fabprobe" lat "10.88.0.$i" -n 1 >/dev/null 2>&1 && break
            sleep 0.2
        done
    done
}

# fp_fabric_down PREFIX: kills what runs in the namespaces, removes them.
fp_fabric_down() {
    local p=$1 i
    for i in $(seq 1 8); do
        ip netns pids "$p-h$i" 2>/dev/null | xargs -r kill 2>/dev/null
        ip netns del "$p-h$i" 2>/dev/null
    done
    ip netns del "$p-sw" 2>/dev/null
}

# shellcheck disable=SC2034 # for the scripts that source this
FP_HOSTS=10.88.0.1,10.88.0.2,10.88.0.3,10.88.0.4,10.88.0.5,10.88.0.6,10.88.0.7,10.88.0.8

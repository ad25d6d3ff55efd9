# shellcheck shell=bash
# Sourced: a fabric of 8 hosts in network namespaces (DESIGN 4.3) for the
# probe tests and benchmarks. Hosts PREFIX-h1..h8 (10.88.0.1..8) sit on two
# leaf switches, bridges bra and brb in PREFIX-sw, joined by one
# inter-switch link that tbf limits to RATE both ways; odd hosts are on leaf
# a, even on leaf b, so host-name order alternates between the leaves.
# Each host runs `fabprobe serve` on its address. With FP_FABRICD set (the
# fabricd binary), fabricd runs in PREFIX-h1 in probes-only mode on
# $FP_URL with token $FP_TOKEN and state in $FP_STATE (a directory), and
# every agent registers with it as h1..h8.

FP_URL=http://10.88.0.1:18700
FP_TOKEN=probe-test-token

# fp_fabric_up PREFIX RATE FABPROBE: 0, or 77 without root or netns.
fp_fabric_up() {
    local p=$1 rate=$2 fabprobe=$3 sw=$1-sw i ns leaf report=()
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
    done
    if [ -n "${FP_FABRICD:-}" ]; then
        ip netns exec "$p-h1" "$FP_FABRICD" --probes-only yes --listen 10.88.0.1 --port 18700 \
            --socket "" --token "$FP_TOKEN" --state-dir "$FP_STATE" --log-level warn &
        report=(--fabricd "$FP_URL" --token "$FP_TOKEN")
    fi
    for i in $(seq 1 8); do
        ip netns exec "$p-h$i" "$fabprobe" serve --listen "10.88.0.$i" \
            ${report[@]+"${report[@]}" --name "h$i"} 2>/dev/null &
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
    done
    sleep 0.2
    for i in $(seq 1 8); do
        ip netns del "$p-h$i" 2>/dev/null
    done
    ip netns del "$p-sw" 2>/dev/null
}

# fp_api PREFIX METHOD PATH [BODY]: fabricd's answer (curl from h1); the
# HTTP status is the last line.
fp_api() {
    local p=$1 method=$2 path=$3 body=${4:-}
    ip netns exec "$p-h1" curl -s -m 30 -X "$method" -H "Authorization: Bearer $FP_TOKEN" \
        ${body:+-d "$body"} -w '\n%{http_code}\n' "$FP_URL$path"
}

# fp_wait_hosts PREFIX N: waits (up to 40 s) until N hosts are registered.
fp_wait_hosts() {
    local p=$1 n=$2
    for _ in $(seq 200); do
        [ "$(fp_api "$p" GET /api/v1/hosts | head -1 | jq '.hosts | length' 2>/dev/null)" = "$n" ] &&
            return 0
        sleep 0.2
    done
    return 1
}

# fp_busbw PREFIX PERF SIZE ORDER DIR: one fcoll-perf allreduce over TCP,
# rank i on host h(i+1), ring in rank order ORDER (FCOLL_RING_ORDER);
# prints the average busbw in GB/s (0 when the run failed).
fp_busbw() {
    local p=$1 perf=$2 size=$3 order=$4 dir=$5 port=$((29000 + RANDOM % 1000)) i pids=()
    for i in $(seq 0 7); do
        ip netns exec "$p-h$((i + 1))" env RANK="$i" WORLD_SIZE=8 MASTER_ADDR=10.88.0.1 \
            MASTER_PORT=$port FCOLL_TRANSPORT=tcp FCOLL_ALGO=ring FCOLL_RING_ORDER="$order" \
            timeout 300 "$perf" allreduce -b "$size" -e "$size" -n 4 -w 1 -J \
            >"$dir/perf.$i" 2>&1 &
        pids+=($!)
    done
    for i in "${pids[@]}"; do wait "$i"; done
    jq -r '.avg_busbw_gbps' "$dir/perf.0" 2>/dev/null || echo 0
}

# fp_ranks NAMES...: host names h1..h8 as rank indices, comma-separated.
fp_ranks() {
    local out="" h
    for h in "$@"; do out="$out${out:+,}$((${h#h} - 1))"; done
    echo "$out"
}

# shellcheck disable=SC2034 # for the scripts that source this
FP_HOSTS=10.88.0.1,10.88.0.2,10.88.0.3,10.88.0.4,10.88.0.5,10.88.0.6,10.88.0.7,10.88.0.8

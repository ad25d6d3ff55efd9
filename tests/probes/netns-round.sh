#!/usr/bin/env bash
# A probe round across network namespaces (DESIGN 4.3): 8 hosts on two leaf
# switches (bridges in a switch namespace) joined by one inter-switch link
# that tc limits; hosts h1..h8 alternate between the leaves. The round must
# find exactly the 16 cross-leaf pairs slow without being told the topology.
# Then a host that is down and one that is firewalled end in errors in the
# report, not a hang.
# usage: netns-round.sh FABPROBE [RATE]   (RATE of the link, default 20mbit)
# Skips (77) without root or network namespaces.
set -uo pipefail
fabprobe=$(readlink -f "$1")
rate=${2:-20mbit}
p=fpr$$
sw=$p-sw
fail=0
ok() { echo "ok - $*"; }
not_ok() {
    echo "not ok - $*"
    fail=1
}
cleanup() {
    for i in $(seq 1 8); do
        ip netns pids "$p-h$i" 2>/dev/null | xargs -r kill 2>/dev/null
        ip netns del "$p-h$i" 2>/dev/null
    done
    ip netns del "$sw" 2>/dev/null
}
trap cleanup EXIT

if [ "$(id -u)" != 0 ] || ! ip netns add "$sw" 2>/dev/null; then
    echo "SKIP: needs root and network namespaces"
    exit 77
fi
in_sw() { ip netns exec "$sw" "$@"; }
in_sw ip link set lo up
for leaf in a b; do
    in_sw ip link add "br$leaf" type bridge
    in_sw ip link set "br$leaf" up
done
# The inter-switch link, limited both ways.
in_sw ip link add isl-a type veth peer name isl-b
in_sw ip link set isl-a master bra up
in_sw ip link set isl-b master brb up
for end in isl-a isl-b; do
    in_sw tc qdisc add dev "$end" root tbf rate "$rate" burst 32kb latency 100ms
done
hosts=
for i in $(seq 1 8); do
    ns=$p-h$i
    leaf=$([ $((i % 2)) = 1 ] && echo a || echo b)
    ip netns add "$ns"
    ip link add "$p-e$i" type veth peer name eth0 netns "$ns"
    ip link set "$p-e$i" netns "$sw"
    in_sw ip link set "$p-e$i" master "br$leaf" up
    ip netns exec "$ns" ip link set lo up
    ip netns exec "$ns" ip addr add "10.88.0.$i/24" dev eth0
    ip netns exec "$ns" ip link set eth0 up
    ip netns exec "$ns" "$fabprobe" serve --listen "10.88.0.$i" 2>/dev/null &
    hosts=${hosts:+$hosts,}10.88.0.$i
done
for i in $(seq 1 8); do
    for _ in $(seq 50); do
        ip netns exec "$p-h1" "$fabprobe" lat "10.88.0.$i" -n 1 >/dev/null 2>&1 && break
        sleep 0.2
    done
done

out=$(ip netns exec "$p-h1" "$fabprobe" round --hosts "$hosts" -s 65536 -t 1000 --json)
echo "$out" | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
hosts = d["hosts"]
m = d["matrix_mb_per_s"]
print("# MB/s, h1..h8 (odd hosts on leaf a, even on leaf b); slow below %.1f MB/s"
      % d["slow_below_mb_per_s"])
for i, row in enumerate(m):
    print("# h%d " % (i + 1) + " ".join("%7s" % ("-" if v is None else "%.1f" % v) for v in row))
got = sorted((hosts.index(p["a"]), hosts.index(p["b"])) for p in d["slow_pairs"])
want = sorted((i, j) for i in range(8) for j in range(i + 1, 8) if i % 2 != j % 2)
if d["errors"]:
    print("not ok - round errors: %s" % d["errors"])
    sys.exit(1)
if got != want:
    print("not ok - slow pairs %s, expected the cross-leaf pairs %s" % (got, want))
    sys.exit(1)
print("ok - the 16 cross-leaf pairs are slow, the 12 same-leaf pairs are not")
' || fail=1

# A host that is down (no one has 10.88.0.99) and one that answers nothing
# (firewalled: h3 drops every reply to h1 and h2 through blackhole routes,
# so their SYNs go unanswered): errors, in bounded time.
for i in 1 2; do
    ip netns exec "$p-h3" ip route add blackhole "10.88.0.$i/32"
done
start=$SECONDS
out=$(timeout 120 ip netns exec "$p-h1" "$fabprobe" round --hosts 10.88.0.1,10.88.0.2,10.88.0.99,10.88.0.3 \
    -t 300 --json)
rc=$?
took=$((SECONDS - start))
if [ $rc = 1 ] && echo "$out" | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
bad = sorted({p["a"] for p in d["errors"]} | {p["b"] for p in d["errors"]})
for p in d["errors"]:
    print("# error %s - %s: %s" % (p["a"], p["b"], p["error"]))
sys.exit(0 if {"10.88.0.99", "10.88.0.3"} <= set(bad) and len(d["errors"]) == 5 else 1)
'; then
    ok "down and firewalled hosts: 5 pairs end in errors after $took s, 1 pair measured"
else
    not_ok "down and firewalled hosts (exit $rc after $took s): $out"
fi
exit $fail

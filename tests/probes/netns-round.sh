#!/usr/bin/env bash
# A probe round across network namespaces (DESIGN 4.3): 8 hosts on two leaf
# switches (bridges in a switch namespace) joined by one inter-switch link
# that tc limits; hosts h1..h8 alternate between the leaves. The round must
# find exactly the 16 cross-leaf pairs slow without being told the topology,
# and the ring it plans must cross the slow link only twice. Then a host that is down and one that is firewalled end in errors in the
# report, not a hang.
# usage: netns-round.sh FABPROBE [RATE]   (RATE of the link, default 20mbit)
# Skips (77) without root or network namespaces.
set -uo pipefail
fabprobe=$(readlink -f "$1")
rate=${2:-20mbit}
here=$(dirname "$(readlink -f "$0")")
# shellcheck source=tests/probes/netns-lib.sh
. "$here/netns-lib.sh"
p=fpr$$
fail=0
ok() { echo "ok - $*"; }
not_ok() {
    echo "not ok - $*"
    fail=1
}
trap 'fp_fabric_down $p' EXIT
fp_fabric_up "$p" "$rate" "$fabprobe" || exit $?

out=$(ip netns exec "$p-h1" "$fabprobe" round --hosts "$FP_HOSTS" -s 65536 -t 1000 --json)
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
ring = d["ring"]
crossings = sum(ring[i] % 2 != ring[(i + 1) % 8] % 2 for i in range(8))
if crossings != 2:
    print("not ok - ring %s crosses the slow link %d times, not twice" % (ring, crossings))
    sys.exit(1)
print("ok - ring %s crosses the slow link twice (host-name order: 8 times)" % ring)
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

#!/usr/bin/env bash
# bench-probes.sh: the probes' end-to-end figure (DESIGN 4.3, issue 9).
# 8 hosts in network namespaces on two leaf switches joined by one
# tc-limited link, named so that host-name order alternates between leaves.
# A probe round (fabprobe round) measures every pair without being told the
# topology and plans a ring from its bandwidth matrix; fcoll-perf then
# measures allreduce busbw over TCP with the ring in host-name order and in
# the probes' order, alternating, and prints both and their ratio.
#
#   scripts/bench-probes.sh [-r RATE] [-s SIZE] [-n REPEATS]
# FABPROBE and FCOLL_PERF name the binaries (default build/bin/...).
# Needs root (network namespaces, tc).
set -uo pipefail
root=$(dirname "$(readlink -f "$0")")/..
fabprobe=$(readlink -f "${FABPROBE:-$root/build/bin/fabprobe}")
perf=$(readlink -f "${FCOLL_PERF:-$root/build/bin/fcoll-perf}")
rate=200mbit
size=2M
repeats=3
while getopts r:s:n: opt; do
    case $opt in
    r) rate=$OPTARG ;;
    s) size=$OPTARG ;;
    n) repeats=$OPTARG ;;
    *)
        sed -n '2,13p' "$0"
        exit 2
        ;;
    esac
done
for bin in "$fabprobe" "$perf"; do
    [ -x "$bin" ] || {
        echo "bench-probes: $bin not built" >&2
        exit 1
    }
done
# shellcheck source=tests/probes/netns-lib.sh
. "$root/tests/probes/netns-lib.sh"
p=fpb$$
tmp=$(mktemp -d)
trap 'fp_fabric_down $p; rm -rf "$tmp"' EXIT
fp_fabric_up "$p" "$rate" "$fabprobe" || exit $?

start=$SECONDS
ip netns exec "$p-h1" "$fabprobe" round --hosts "$FP_HOSTS" -s 65536 -t 1000 --json \
    >"$tmp/round.json" || {
    echo "bench-probes: the probe round failed" >&2
    cat "$tmp/round.json" >&2
    exit 1
}
ring=$(/usr/bin/python3 - "$tmp/round.json" $((SECONDS - start)) <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
n = len(d["hosts"])
slow = {(d["hosts"].index(p["a"]), d["hosts"].index(p["b"])) for p in d["slow_pairs"]}
cross = {(i, j) for i in range(n) for j in range(i + 1, n) if i % 2 != j % 2}
print(f"probe round: {n * (n - 1) // 2} pairs in {n - 1} steps, {sys.argv[2]} s; "
      f"median {d['median_mb_per_s']:.1f} MB/s, slow below {d['slow_below_mb_per_s']:.1f} MB/s",
      file=sys.stderr)
print(f"slow pairs: {len(slow)} found, {len(slow & cross)} of them cross-leaf, "
      f"{len(cross - slow)} cross-leaf pairs missed", file=sys.stderr)
print(",".join(str(r) for r in d["ring"]))
PY
)
echo "probe ring: $ring (host-name order 0,1,...,7 crosses the slow link 8 times)"

# busbw_of ORDER: one allreduce run over 8 ranks in the namespaces; GB/s.
busbw_of() {
    local order=$1 port=$((29000 + RANDOM % 1000)) i pids=()
    for i in $(seq 0 7); do
        ip netns exec "$p-h$((i + 1))" env RANK="$i" WORLD_SIZE=8 MASTER_ADDR=10.88.0.1 \
            MASTER_PORT=$port FCOLL_TRANSPORT=tcp FCOLL_ALGO=ring FCOLL_RING_ORDER="$order" \
            timeout 300 "$perf" allreduce -b "$size" -e "$size" -n 4 -w 1 -J \
            >"$tmp/perf.$i" 2>&1 &
        pids+=($!)
    done
    for i in "${pids[@]}"; do wait "$i"; done
    /usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["avg_busbw_gbps"])' \
        "$tmp/perf.0" 2>/dev/null || echo 0
}
names=0,1,2,3,4,5,6,7
for _ in $(seq "$repeats"); do
    echo "$(busbw_of $names) $(busbw_of "$ring")" >>"$tmp/busbw"
done
/usr/bin/python3 - "$tmp/busbw" "$rate" "$size" <<'PY'
import statistics, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1])]
names, probes = [r[0] for r in rows], [r[1] for r in rows]
mn, mp = statistics.median(names), statistics.median(probes)
print(f"allreduce {sys.argv[3]} over TCP, 8 ranks, inter-switch link {sys.argv[2]}, "
      f"{len(rows)} runs each (alternating)")
print(f"  busbw host-name order: {mn * 1000:8.2f} MB/s  (runs: "
      + " ".join(f"{v * 1000:.2f}" for v in names) + ")")
print(f"  busbw probe ring:      {mp * 1000:8.2f} MB/s  (runs: "
      + " ".join(f"{v * 1000:.2f}" for v in probes) + ")")
print(f"  ratio probe ring / host-name order: {mp / mn:.2f}" if mn > 0 else "  no host-name figure")
PY

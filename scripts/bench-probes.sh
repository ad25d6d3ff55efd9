#!/usr/bin/env bash
# bench-probes.sh: the probes' end-to-end figure (DESIGN 4.3, issue 9).
# 8 hosts in network namespaces on two leaf switches joined by one
# tc-limited link, named so that host-name order alternates between leaves.
# fabricd runs in probes-only mode and every host's agent registers with
# it; a probe round fabricd schedules measures every pair without being
# told the topology, and fabricd plans the ring for the 8 hosts from its
# matrix; fcoll-perf then measures allreduce busbw over TCP with the ring in
# host-name order and in fabricd's order, alternating, and prints both and
# their ratio.
#
#   scripts/bench-probes.sh [-r RATE] [-s SIZE] [-n REPEATS]
# FABPROBE, FABRICD, FABRICCTL and FCOLL_PERF name the binaries (default
# build/bin/...). Needs root (network namespaces, tc), jq and curl.
set -uo pipefail
root=$(dirname "$(readlink -f "$0")")/..
fabprobe=$(readlink -f "${FABPROBE:-$root/build/bin/fabprobe}")
FP_FABRICD=$(readlink -f "${FABRICD:-$root/build/bin/fabricd}")
fabricctl=$(readlink -f "${FABRICCTL:-$root/build/bin/fabricctl}")
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
        sed -n '2,15p' "$0"
        exit 2
        ;;
    esac
done
for bin in "$fabprobe" "$FP_FABRICD" "$fabricctl" "$perf"; do
    [ -x "$bin" ] || {
        echo "bench-probes: $bin not built" >&2
        exit 1
    }
done
# shellcheck source=tests/probes/netns-lib.sh
. "$root/tests/probes/netns-lib.sh"
p=fpb$$
tmp=$(mktemp -d)
FP_STATE=$tmp
export FP_FABRICD FP_STATE
trap 'fp_fabric_down $p; rm -rf "$tmp"' EXIT
fp_fabric_up "$p" "$rate" "$fabprobe" || exit $?
fp_wait_hosts "$p" 8 || {
    echo "bench-probes: the agents did not all register with fabricd" >&2
    exit 1
}
ctl() { ip netns exec "$p-h1" "$fabricctl" -H 10.88.0.1:18700 -t "$FP_TOKEN" "$@"; }

start=$SECONDS
ctl -j probes round --size 65536 --duration 1000 >"$tmp/round.json" || {
    echo "bench-probes: the probe round failed" >&2
    exit 1
}
jq -r --arg took $((SECONDS - start)) '.result | (.hosts | length) as $n |
    [.slow_pairs[] | [.a, .b] | map(ltrimstr("h") | tonumber % 2) | select(.[0] != .[1])] as $x |
    "probe round by fabricd: \($n * ($n - 1) / 2) pairs in \($n - 1) steps, \($took) s; median \(.median_mb_per_s * 10 | round / 10) MB/s, slow below \(.slow_below_mb_per_s * 10 | round / 10) MB/s",
    "slow pairs: \(.slow_pairs | length) found, \($x | length) of them cross-leaf (16 exist); groups: \(.groups | map(join(",")) | join(" | "))"' \
    "$tmp/round.json"
mapfile -t ring < <(ctl ring --hostfile h1 h2 h3 h4 h5 h6 h7 h8)
order=$(fp_ranks "${ring[@]}")
echo "fabricd ring: ${ring[*]} (ranks $order; host-name order crosses the slow link 8 times)"

names=0,1,2,3,4,5,6,7
for _ in $(seq "$repeats"); do
    echo "$(fp_busbw "$p" "$perf" "$size" "$names" "$tmp") $(fp_busbw "$p" "$perf" "$size" "$order" "$tmp")" >>"$tmp/busbw"
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
print(f"  busbw fabricd ring:    {mp * 1000:8.2f} MB/s  (runs: "
      + " ".join(f"{v * 1000:.2f}" for v in probes) + ")")
print(f"  ratio fabricd ring / host-name order: {mp / mn:.2f}" if mn > 0 else "  no host-name figure")
PY

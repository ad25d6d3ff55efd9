#!/usr/bin/env bash
# fabricd's memory over many discovery sweeps on a simulated ~1000-host fat
# tree (ft3, 1024 hosts, ibsim + OpenSM): the daemon's resident set size
# after the first few sweeps and after many, while nothing in the fabric
# changes. A daemon that sweeps every few seconds for months must stay flat.
#
#   scripts/bench-fabricd-rss.sh     (SWEEPS=200 FIRST=10 KIND=ft3 HOSTS=1024 BUILD=build)
#
# Sweeps are triggered back to back through the API (POST /api/v1/sweep,
# which returns once the sweep is published); every sweep is a full
# discovery, LFTs are re-read every 10th as configured by default.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$root/build}
sweeps=${SWEEPS:-200}
first=${FIRST:-10}
hosts=${HOSTS:-1024}
kind=${KIND:-ft3}

. "$root/tests/sim/simlib.sh"
. "$root/fabricd/tests/fabdlib.sh"
sim_require curl jq
trap 'fabd_stop; sim_cleanup' EXIT
fabd_bench_fabric "$build" "$kind" "$hosts"
w=$SIM_WORK

# A long interval: only the sweeps this script asks for run.
fabd_launch "$w/fabricd.log" "$build/bin/fabricd" --port 0 --socket "" --state-dir "$w/state" \
    --sweep-interval-ms 3600000 --poll-interval-ms 3600000
url=${FABD_URL%/}

# FABD_PID is the timeout(1) that bounds fabricd: its child is fabricd.
rss_kib() { awk '/^VmRSS/ { print $2 }' "/proc/$(pgrep -P "$FABD_PID")/status"; }
sweep() {
    curl -sf -m 70 -X POST "$url/api/v1/sweep?wait=60" >/dev/null ||
        { tail -5 "$w/fabricd.log" >&2; echo "sweep failed" >&2; exit 1; }
}
echo "fabricd memory on $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
t0=$(date +%s)
for ((i = 1; i <= sweeps; i++)); do
    [ "$i" -ne 2 ] || curl -s "$url/api/v1/status" |
        jq -r '.fabric | "fabric: \(.hosts) hosts, \(.switches) switches, \(.links) links"' 
    sweep
    [ "$i" -ne "$first" ] || rss_first=$(rss_kib)
done
rss_last=$(rss_kib)
h=$(curl -s "$url/healthz")
printf '%-34s %10s\n' "resident set size" KiB
printf '%-34s %10d\n' "after $first sweeps" "$rss_first" "after $sweeps sweeps" "$rss_last"
printf '%-34s %10.1f\n' "growth per sweep after the $first-th" \
    "$(awk -v a="$rss_first" -v b="$rss_last" -v n=$((sweeps - first)) 'BEGIN { print (b - a) / n }')"
echo "sweeps done: $(jq .sweeps <<<"$h"), failed: $(jq .sweep_failures <<<"$h"), last discovery $(jq .last_sweep_seconds <<<"$h") s, $(($(date +%s) - t0)) s in all"
if grep -q "error" "$w/fabricd.log"; then
    echo "errors logged by fabricd:"
    grep "error" "$w/fabricd.log" | sort | uniq -c | sort -rn | head -5
fi

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

if ! log=$({ [ -f "$build"/CMakeCache.txt ] || cmake -S "$root" -B "$build"; } 2>&1 &&
    cmake --build "$build" -j "$(nproc)" --target fabricd fabtopo 2>&1); then
    echo "$log" >&2
    exit 1
fi
. "$root/tests/sim/simlib.sh"
sim_require curl jq
sim_workdir
w=$SIM_WORK
FABD_PID=
trap '[ -z "$FABD_PID" ] || { kill "$FABD_PID"; wait "$FABD_PID"; } 2>/dev/null; sim_cleanup' EXIT

net=$w/$kind-$hosts.net
"$build/bin/fabtopo" gen "$kind" --hosts "$hosts" -o "$net"
sim_start "$net" $(sim_limits "$net")
sim_sm_sweep
# A long interval: only the sweeps this script asks for run.
LD_PRELOAD="$SIM_PRELOAD" "$build/bin/fabricd" --port 0 --socket "" --state-dir "$w/state" \
    --sweep-interval-ms 3600000 --poll-interval-ms 3600000 >"$w/fabricd.log" 2>&1 &
FABD_PID=$!
url=
for ((i = 0; i < 600; i++)); do
    port=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$w/fabricd.log")
    [ -n "$port" ] && url=http://127.0.0.1:$port && break
    kill -0 "$FABD_PID" 2>/dev/null || { cat "$w/fabricd.log" >&2; exit 1; }
    sleep 0.1
done
[ -n "$url" ] || { echo "fabricd did not listen in 60 s" >&2; exit 1; }

rss_kib() { awk '/^VmRSS/ { print $2 }' "/proc/$FABD_PID/status"; }
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

#!/usr/bin/env bash
# fabricd benchmark on a simulated ~1000-host fat tree (ft3, 1024 hosts,
# ibsim + OpenSM): the daemon's discovery sweep beside `ibnetdiscover` on the
# same fabric, then API latency (p50, p99) for topology, links and ring
# requests under concurrent load on loopback while the daemon keeps
# sweeping every 2 s.
#
#   scripts/bench-fabricd.sh     (REPS=5 N=400 C=16 KIND=ft3 HOSTS=1024 BUILD=build)
#
# Load: N requests per endpoint, C at a time, each its own curl process
# (time_total: connect to last byte; process start-up is not counted, but
# the processes share the machine's cores with fabricd). Bounded: every
# request times out after 30 s. Machines here are shared and noisy:
# compare within one run.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$root/build}
reps=${REPS:-5}
n=${N:-400}
c=${C:-16}
hosts=${HOSTS:-1024}
kind=${KIND:-ft3}

. "$root/tests/sim/simlib.sh"
. "$root/fabricd/tests/fabdlib.sh"
sim_require curl jq ibnetdiscover
trap 'fabd_stop; sim_cleanup' EXIT
fabd_bench_fabric "$build" "$kind" "$hosts"
w=$SIM_WORK
net=$FABD_NET

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

fabd_launch "$w/fabricd.log" "$build/bin/fabricd" --port 0 --socket "" --state-dir "$w/state" \
    --sweep-interval-ms 2000 --poll-interval-ms 2000
fabd_wait_health ok 300
url=${FABD_URL%/}
echo "fabricd benchmark on $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
curl -s "$url/api/v1/status" | jq -r '.fabric | "fabric: \(.hosts) hosts, \(.switches) switches, \(.links) links, \(.tiers) tiers"'

# Discovery: fabricd's own figure for each triggered sweep, and the whole
# ibnetdiscover process on the same simulated fabric.
sw=()
for ((i = 0; i < reps; i++)); do
    curl -s -X POST "$url/api/v1/sweep?wait=60" >/dev/null
    sw+=("$(curl -s "$url/healthz" | jq .last_sweep_seconds)")
done
ib=()
for ((i = 0; i < reps; i++)); do
    s=$(date +%s%N)
    sim_run ibnetdiscover >/dev/null 2>&1
    ib+=("$(awk -v ns=$(($(date +%s%N) - s)) 'BEGIN { print ns / 1e9 }')")
done
fd=$(printf '%s\n' "${sw[@]}" | median)
ibd=$(printf '%s\n' "${ib[@]}" | median)
printf '%-28s %10s\n' "sweep (median of $reps)" seconds
printf '%-28s %10.3f\n' "fabricd discovery sweep" "$fd" "ibnetdiscover (process)" "$ibd"
printf '%-28s %10.2f\n' "ratio ibnetdiscover/fabricd" "$(awk "BEGIN { print $ibd / $fd }")"

job=$(grep -o '"node[0-9]* HCA-1"' "$net" | tr -d '"' | awk '{ print $1 }' | sort -u |
    awk 'NR % 16 == 1' | head -64 | paste -sd,)
load() { # load NAME PATH: N requests, C at a time; prints p50 p99 max in ms and failures
    seq 1 "$n" | xargs -P "$c" -I{} curl -s -o /dev/null -m 30 -w '%{http_code} %{time_total}\n' \
        "$url/$2" >"$w/lat" || true
    local bad
    bad=$(awk '$1 != 200' "$w/lat" | wc -l)
    awk '$1 == 200 { print $2 * 1000 }' "$w/lat" | sort -n | awk -v name="$1" -v bad="$bad" '
        { v[NR] = $1 } END {
            if (!NR) { printf "%-28s no answers\n", name; exit }
            printf "%-28s %8.1f %8.1f %8.1f %6d\n", name, v[int(NR * 0.5 + 0.5)],
                   v[int(NR * 0.99 + 0.5)], v[NR], bad }'
}
sweeps0=$(curl -s "$url/healthz" | jq .sweeps)
t0=$(date +%s)
printf '\n%-28s %8s %8s %8s %6s   (%d requests, %d concurrent)\n' "API latency, ms" p50 p99 max \
    failed "$n" "$c"
load "topology (json)" "api/v1/topology"
load "links" "api/v1/links"
load "status" "api/v1/status"
load "ring ($(tr ',' '\n' <<<"$job" | wc -l) hosts)" "api/v1/ring?hosts=$job"
el=$(($(date +%s) - t0))
echo "fabricd swept $(($(curl -s "$url/healthz" | jq .sweeps) - sweeps0)) times during the ${el} s of load (every 2 s)"

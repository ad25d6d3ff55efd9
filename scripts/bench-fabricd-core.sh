#!/usr/bin/env bash
# fabricd core benchmark on simulated fat trees (ibsim + one OpenSM sweep),
# 128 and 1024 hosts: what one round of the daemon's sweeper costs, each
# part on its own (discovery through libibnetdisc + model, LFT read of every
# switch, PMA counter poll of every cabled port), median of REPS sweeps,
# beside `ibnetdiscover` on the same fabric, and the time to plan a ring for
# half the hosts on the live routes.
#
#   scripts/bench-fabricd-core.sh      (REPS=5, BUILD=build by default)
#
# Machines here are shared and noisy: compare within one run, not across.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$root/build}
reps=${REPS:-5}

if ! log=$({ [ -f "$build"/CMakeCache.txt ] || cmake -S "$root" -B "$build"; } 2>&1 &&
    cmake --build "$build" -j "$(nproc)" --target fabtopo fabd_core_driver 2>&1); then
    echo "$log" >&2
    exit 1
fi
fabtopo=$build/bin/fabtopo
driver=$build/tests/fabd_core_driver

. "$root/tests/sim/simlib.sh"
sim_require
sim_workdir
w=$SIM_WORK

median() {
    sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

field() { # field NAME < health lines: one value per line
    sed -n "s/.* $1=\([0-9.]*\).*/\1/p"
}

echo "fabricd core benchmark on $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-6s %6s %6s %10s %10s %10s %10s %14s %10s\n' hosts nodes ports discover_s lft_s \
    poll_s round_s ibnetdiscover_s plan_s
for spec in "ft2 128" "ft3 1024"; do
    set -- $spec
    net=$w/$1-$2.net
    "$fabtopo" gen "$1" --hosts "$2" -o "$net"
    sim_start "$net" $(sim_limits "$net")
    sim_sm_sweep
    hosts=$(grep -o '"node[0-9]* HCA-1"' "$net" | tr -d '"' | awk '{ print $1 }' | sort -u |
        awk 'NR % 2 == 1' | tr '\n' ' ')
    {
        for ((i = 0; i < reps; i++)); do echo sweep; echo health; done
        echo "plan $hosts"
        echo quit
    } | sim_run "$driver" --sweep-ms 3600000 --poll-ms 3600000 >"$w/out" 2>"$w/err" ||
        { cat "$w/err" >&2; exit 1; }
    # Every sweep here re-reads the LFTs: a triggered sweep always does.
    disc=$(grep '^health' "$w/out" | field sweep_s | median)
    lft=$(grep '^health' "$w/out" | field lft_s | median)
    poll=$(grep '^health' "$w/out" | field poll_s | median)
    plan=$(awk '/^plan/ { print $4 }' "$w/out")
    nodes=$(grep '^health' "$w/out" | tail -1 | field nodes)
    ports=$(grep -c '^\[' "$net")
    t=()
    for ((i = 0; i < reps; i++)); do
        s=$(date +%s%N)
        sim_run ibnetdiscover >/dev/null 2>&1
        t+=($((($(date +%s%N) - s) / 1000000)))
    done
    ibnd=$(printf '%s\n' "${t[@]}" | median)
    printf '%-6s %6s %6s %10s %10s %10s %10.3f %14.3f %10s\n' "$2" "$nodes" "$ports" "$disc" \
        "$lft" "$poll" "$(awk "BEGIN { print $disc + $lft + $poll }")" \
        "$(awk "BEGIN { print $ibnd / 1000 }")" "$plan"
    sim_stop
done
echo "round = discovery + LFT read + counter poll (one sweeper round with everything due);"
echo "ibnetdiscover = whole process, median of $reps; plan = ring for every other host."

#!/usr/bin/env bash
# Topology benchmark, printed side by side in one run:
#  1. live discovery of the same simulated fabric (ibsim + OpenSM) by
#     `fabtopo discover` (libibnetdisc + the model) and by `ibnetdiscover`,
#     at 128 and 1024 hosts: median and best wall time and median CPU time
#     of REPS runs each, run in alternation, whole processes, output in
#     ibnetdiscover format to /dev/null for both; ratios fabtopo over
#     ibnetdiscover. Both sweep with libibnetdisc and send the same MADs.
#  2. loading a synthetic 3-level fat tree (radix 128) from a file and
#     building its graph (`fabtopo show`: read, finalize, summarize) at 1k,
#     10k and 100k endpoints, from ibnetdiscover text and from JSON: median
#     time and peak resident memory, and how both grow per 10x.
#
#   scripts/bench-topology.sh          (REPS=7, BUILD=build by default)
#
# Machines here are shared and noisy: compare within one run, not across.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$root/build}
reps=${REPS:-7}

# Quiet unless it fails.
if ! log=$({ [ -f "$build"/CMakeCache.txt ] || cmake -S "$root" -B "$build"; } 2>&1 &&
    cmake --build "$build" -j "$(nproc)" --target fabtopo 2>&1); then
    echo "$log" >&2
    exit 1
fi
fabtopo=$build/bin/fabtopo

. "$root/tests/sim/simlib.sh"
sim_workdir
w=$SIM_WORK

now_ms() {
    echo $(($(date +%s%N) / 1000000))
}

median() {
    sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# best: the smallest of its input lines, the least disturbed run.
best() {
    sort -n | head -1
}

# calc EXPR: floating-point arithmetic (awk, so no bc needed).
calc() {
    awk "BEGIN { print $1 }"
}

[ -x /usr/bin/time ] || { echo "bench-topology.sh: needs /usr/bin/time (scripts/install-deps.sh)" >&2; exit 1; }
echo "topology benchmark on $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"

# ---- 1. live discovery --------------------------------------------------
# timed WALL CPU CMD...: runs CMD as a simulator client and appends its wall
# and CPU (user + sys) milliseconds to the arrays named WALL and CPU.
timed() {
    local -n wall=$1 cpu=$2
    local e u s
    shift 2
    /usr/bin/time -f '%e %U %S' -o "$w/time" \
        timeout "${SIM_RUN_TIMEOUT:-300}" env LD_PRELOAD="$SIM_PRELOAD" "$@" >/dev/null 2>"$w/stderr"
    read -r e u s <"$w/time"
    wall+=("$(calc "int($e * 1000)")")
    cpu+=("$(calc "int(($u + $s) * 1000)")")
}

discovery() {
    local kind=$1 hosts=$2 net=$w/$1-$2.net
    "$fabtopo" gen "$kind" --hosts "$hosts" -o "$net"
    sim_start "$net" $(sim_limits "$net")
    sim_sm_sweep
    local ours=() theirs=() ours_cpu=() theirs_cpu=() lib=() i mads
    # One warm-up each: the first client pays for ibsim's first answers.
    sim_run "$fabtopo" discover -o /dev/null 2>/dev/null
    sim_run ibnetdiscover >/dev/null 2>&1
    for ((i = 0; i < reps; i++)); do
        timed ours ours_cpu "$fabtopo" discover -v -o /dev/null
        # The library's own time: the sweep plus building the model.
        cp "$w/stderr" "$w/ours.log"
        lib+=("$(awk '/swept the fabric in/ { t += $6 } /built the model/ { t += $(NF - 1) }
                     END { print int(t + 0.5) }' "$w/ours.log")")
        timed theirs theirs_cpu ibnetdiscover
    done
    mads=$(sed -n 's/.*: \([0-9]*\) MADs.*/\1/p' "$w/ours.log")
    local a b ab bb ac bc l
    a=$(printf '%s\n' "${ours[@]}" | median)
    b=$(printf '%s\n' "${theirs[@]}" | median)
    ab=$(printf '%s\n' "${ours[@]}" | best)
    bb=$(printf '%s\n' "${theirs[@]}" | best)
    ac=$(printf '%s\n' "${ours_cpu[@]}" | median)
    bc=$(printf '%s\n' "${theirs_cpu[@]}" | median)
    l=$(printf '%s\n' "${lib[@]}" | median)
    printf '%-6s %6s %6s %6s | %11s %11s %6.2f %6.2f | %7s %7s | %7s\n' "$kind" "$hosts" \
        "$(grep -c '^\(Switch\|Ca\)' "$net")" "$mads" "$a / $ab" "$b / $bb" "$(calc "$a / $b")" \
        "$(calc "$ab / $bb")" "$ac" "$bc" "$l"
    sim_stop
}

if (sim_require ibnetdiscover) 2>/dev/null; then
    echo
    echo "1. live discovery under ibsim, $reps runs each, whole processes, in ms"
    echo "   wall (median / best) includes waiting for ibsim's answers; ratios are"
    echo "   fabtopo / ibnetdiscover; cpu = user + sys of the client (median);"
    echo "   library = ftopo_discover's sweep + model build inside fabtopo (median)"
    printf '%-6s %6s %6s %6s | %11s %11s %6s %6s | %7s %7s | %7s\n' fabric hosts nodes MADs \
        "fabtopo" "ibnetd." ratio ratio fabtopo ibnetd. library
    printf '%-6s %6s %6s %6s | %11s %11s %6s %6s | %7s %7s | %7s\n' "" "" "" "" "wall" "wall" \
        median best cpu cpu wall
    discovery ft2 128
    discovery ft3 1024
else
    echo "1. live discovery: skipped ($(sim_require ibnetdiscover 2>&1 | head -1))"
fi

# ---- 2. load from file --------------------------------------------------
echo
echo "2. load a fat tree from file and build its graph (fabtopo show), median of 3"
printf '%-8s %-13s %10s %10s %9s %10s %9s\n' endpoints format "file MB" "time ms" growth \
    "peak MB" growth
for format in ibnetdiscover json; do
    prev_t= prev_m=
    for n in 1000 10000 100000; do
        file=$w/ft3-$n.$format
        "$fabtopo" gen ft3 --hosts "$n" --radix 128 -f "$format" -o "$file"
        times=() mem=0
        for i in 1 2 3; do
            out=$(/usr/bin/time -f '%e %M' "$fabtopo" show "$file" 2>&1 >/dev/null | tail -1)
            times+=($(calc "int(${out% *} * 1000)"))
            [ "${out#* }" -gt "$mem" ] && mem=${out#* }
        done
        t=$(printf '%s\n' "${times[@]}" | median)
        [ "$t" -gt 0 ] || t=1
        mb=$(calc "$mem / 1024")
        growth_t=- growth_m=-
        if [ -n "$prev_t" ]; then
            growth_t=$(printf 'x%.1f' "$(calc "$t / $prev_t")")
            growth_m=$(printf 'x%.1f' "$(calc "$mb / $prev_m")")
        fi
        printf '%-8s %-13s %10.1f %10s %9s %10.1f %9s\n' "$n" "$format" \
            "$(calc "$(stat -c %s "$file") / 1048576")" "$t" "$growth_t" "$mb" "$growth_m"
        prev_t=$t prev_m=$mb
        rm -f "$file"
    done
done

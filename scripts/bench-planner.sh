#!/bin/bash
# Ring planner benchmark: the planner's max link load against host-name
# order, OpenSM's ftree CA order and a random order, side by side in one
# run, every order scored by the same load model (fabtopo ring --bench).
#
# Part 1, under ibsim, per generated fabric (2-level fat tree of 512 hosts,
# 2:1 oversubscribed, 3-level of 972 hosts (3 full pods of radix 36: OpenSM's
# ftree refuses a partial pod and runs minhop), 512-host with 5% of its
# inter-switch links removed, rail-optimized 64 hosts x 8 HCAs, 8x8 torus),
# each also with host names shuffled against the cabling:
#  - OpenSM assigns LIDs (minhop sweep), `fabtopo discover` reads the
#    fabric, the LFTs are read back live (`fabtopo lfts --live`);
#  - OpenSM's ftree sweep: its LFTs read back live and its
#    opensm-ftree-ca-order.dump kept (OpenSM falls back to minhop silently
#    where ftree does not apply: the 'ran' column says what ran);
#  - the project's ftree engine routes the discovered fabric;
#  - for each of the three route sets, 1 and 4 channels: 100 seeded random
#    placements of 16 to 512 hosts (capped by the fabric's hosts); then
#    each placement again with 3 to 10 of the inter-switch links its rings
#    used congested to 10% of capacity.
# Part 2, from files: planning time at 1,024 and 16,384 endpoints (3-level
# fat trees, routed in-process by the project's ftree engine, whole
# fabric as the job).
#
# usage: scripts/bench-planner.sh [BUILD_DIR]  (default build-bench, a
# Release build made here). Env: PLACEMENTS (100), SEED (1), ONLY=NAME for
# one fabric, SKIP_SIM=1 / SKIP_SCALE=1, KEEP=1 keeps the work dir.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$ROOT/build-bench}
cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DFM_BUILD_COLLECTIVES=OFF >/dev/null &&
    cmake --build "$BUILD" -j2 --target fabtopo >/dev/null || exit 1
FABTOPO=$BUILD/bin/fabtopo
PLACEMENTS=${PLACEMENTS:-100}
SEED=${SEED:-1}
WORK=$(mktemp -d /tmp/bench-planner.XXXXXX)
export IBSIM_SOCKNAME=benchplan$$
# shellcheck source=scripts/benchlib.sh
. "$ROOT/scripts/benchlib.sh"
bench_banner bench-planner



osm_ran() { # LOG
    local ran
    ran=$(sed -n 's/.*-> osm_ucast_mgr_process: \(.*\) tables configured on all switches.*/\1/p' "$1" | tail -1)
    echo "${ran:-?}"
}

header() {
    printf "%-15s %-13s %2s | %7s | %5s %5s %5s | %5s %5s %5s %5s | %5s %5s %5s | %5s %5s %5s %6s %6s %6s %7s | %6s %6s\n" \
        fabric routes ch "=bound" "<=nam" "<=ca" "<=rnd" plan name ca rand \
        nameX caX randX c.runs c.free c.=lb c.plan c.name c.ca "c.<=n/c" ms ms.max
}

# bench_routes FABRIC-NAME ROUTES-LABEL FABRIC-FILE DUMP CA-ORDER
bench_routes() {
    local name=$1 label=$2 fabric=$3 dump=$4 ca=$5 ch out
    for ch in 1 4; do
        local args=(--bench "$PLACEMENTS" --min 16 --max 512 --seed "$SEED" -c "$ch" --congest)
        [ -s "$ca" ] && args+=(--ca-order "$ca")
        if ! out=$("$FABTOPO" ring "$fabric" --lfts "$dump" "${args[@]}" 2>&1 | tail -1) ||
            ! echo "$out" | grep -q '^placements='; then
            printf "%-15s %-13s %2s | failed: %s\n" "$name" "$label" "$ch" "$(echo "$out" | cut -c1-80)"
            continue
        fi
        v() { echo "$out" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
        local ca_le=- ca_mean=- ca_max=- c_ca=- c_le_ca=-
        [ -s "$ca" ] && ca_le=$(v le_ca) ca_mean=$(v ca_mean) ca_max=$(v ca_max) \
            c_ca=$(v cong_ca_mean) c_le_ca=$(v cong_le_ca)
        printf "%-15s %-13s %2s | %3s/%-3s | %5s %5s %5s | %5s %5s %5s %5s | %5s %5s %5s | %5s %5s %5s %6s %6s %6s %7s | %6s %6s\n" \
            "$name" "$label" "$ch" "$(v eq_lb)" "$(v placements)" \
            "$(v le_name)" "$ca_le" "$(v le_rand)" \
            "$(v plan_mean)" "$(v name_mean)" "$ca_mean" "$(v rand_mean)" \
            "$(v name_max)" "$ca_max" "$(v rand_max)" \
            "$(v cong_runs)" "$(v cong_avoided)/$(v cong_allowed)" "$(v cong_eq_lb)" \
            "$(v cong_plan_mean)" "$(v cong_name_mean)" "$c_ca" "$(v cong_le_name)/$c_le_ca" \
            "$(v ms_mean)" "$(v ms_max)"
    done
}

bench_fabric() { # NAME GEN-ARGS...
    local name=$1
    shift
    [ -n "${ONLY:-}" ] && [ "$ONLY" != "$name" ] && return
    local dir=$WORK/$name
    mkdir -p "$dir"
    "$FABTOPO" gen "$@" -f ibnetdiscover -o "$dir/fabric.net" || return
    start_ibsim "$dir/fabric.net" "$dir" || return
    if ! opensm_once "$dir" "$dir/osm-minhop.log" -R minhop ||
        ! LD_PRELOAD=$UMAD2SIM "$FABTOPO" discover -f json -o "$dir/live.json" 2>"$dir/discover.err" ||
        ! LD_PRELOAD=$UMAD2SIM "$FABTOPO" lfts --live "$dir/live.json" -o "$dir/osm-minhop.dump" 2>/dev/null; then
        printf "%-15s OpenSM, discovery or LFT read failed\n" "$name"
        stop_ibsim
        return
    fi
    local ran_min ran_ft=failed
    ran_min=$(osm_ran "$dir/osm-minhop.log")
    rm -f "$dir/opensm-ftree-ca-order.dump"
    if opensm_once "$dir" "$dir/osm-ftree.log" -R ftree &&
        LD_PRELOAD=$UMAD2SIM "$FABTOPO" lfts --live "$dir/live.json" -o "$dir/osm-ftree.dump" 2>/dev/null; then
        ran_ft=$(osm_ran "$dir/osm-ftree.log")
    fi
    stop_ibsim
    "$FABTOPO" route -e ftree -o "$dir/our-ftree.dump" "$dir/live.json" >/dev/null 2>&1
    local ca=$dir/opensm-ftree-ca-order.dump
    bench_routes "$name" "project-ftree" "$dir/live.json" "$dir/our-ftree.dump" "$ca"
    local label=osm-ftree
    [ "$ran_ft" != ftree ] && label="osm-$ran_ft!"
    [ "$ran_ft" != failed ] &&
        bench_routes "$name" "$label" "$dir/live.json" "$dir/osm-ftree.dump" "$ca"
    label=osm-minhop
    [ "$ran_min" != minhop ] && label="osm-$ran_min!"
    bench_routes "$name" "$label" "$dir/live.json" "$dir/osm-minhop.dump" "$ca"
}

if [ "${SKIP_SIM:-0}" != 1 ]; then
    if ! command -v ibsim >/dev/null || ! command -v opensm >/dev/null || [ ! -e "$UMAD2SIM" ]; then
        echo "part 1 skipped: ibsim, opensm or umad2sim missing"
    else
        echo
        echo "Part 1: under ibsim, $PLACEMENTS placements of 16-512 hosts per row (seed $SEED)."
        echo "Load = flows per directed link / channels / capacity, max over links (1.000 ="
        echo "every ring step at full link rate). =bound: placements where the planner reached"
        echo "its lower bound; <=nam/<=ca/<=rnd: placements where it was no worse than host-name"
        echo "order / OpenSM's ftree CA order / random order; plan..rand: mean max load;"
        echo "nameX..randX: worst; c.runs: placements re-planned with 3-10 of their used"
        echo "inter-switch links congested to 10%; c.free: rings crossing none of them / runs"
        echo "where the bound allows avoiding all; c.=lb: at the bound; c.plan/c.name/c.ca:"
        echo "mean max load under that congestion of the new plan, name order and CA order;"
        echo "c.<=n/c: runs where the new plan was no worse than them; ms: planning time."
        echo "routes: osm-X = OpenSM's X read live (X! = OpenSM ran X instead of ftree)."
        header
        bench_fabric ft2-512 ft2 --hosts 512
        bench_fabric ft2-512-shuf ft2 --hosts 512 --shuffle-names --seed 2
        bench_fabric ft2-os2 ft2 --hosts 512 --oversub 2
        bench_fabric ft2-os2-shuf ft2 --hosts 512 --oversub 2 --shuffle-names --seed 3
        bench_fabric ft3-972 ft3 --hosts 972
        bench_fabric ft3-972-shuf ft3 --hosts 972 --shuffle-names --seed 4
        bench_fabric ft2-deg5 ft2 --hosts 512 --degrade 0.05 --seed 1
        bench_fabric ft2-deg5-shuf ft2 --hosts 512 --degrade 0.05 --seed 1 --shuffle-names
        bench_fabric rail-64x8 rail --hosts 64
        bench_fabric rail-64x8-shuf rail --hosts 64 --shuffle-names --seed 5
        bench_fabric torus-8x8 torus --hosts 128 --torus 8x8
        bench_fabric torus-8x8-shuf torus --hosts 128 --torus 8x8 --shuffle-names --seed 6
    fi
fi

if [ "${SKIP_SCALE:-0}" != 1 ]; then
    echo
    echo "Part 2: planning time, whole fabric as the job (3 jobs each, project ftree routes"
    echo "computed in-process; radix 64 for 16k). Targets: 1,024 < 100 ms, 16,384 < 5 s."
    printf "%-8s %-3s %9s %9s %7s %7s\n" hosts ch ms_mean ms_max load bound_hit
    for spec in 1024:36 16384:64; do
        n=${spec%:*} radix=${spec#*:}
        f=$WORK/ft3-$n.json
        "$FABTOPO" gen ft3 --hosts "$n" --radix "$radix" -f json -o "$f" || continue
        for ch in 1 4; do
            out=$("$FABTOPO" ring "$f" -e ftree --bench 3 --min "$n" --max "$n" -c "$ch" | tail -1)
            val() { echo "$out" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
            printf "%-8s %-3s %9s %9s %7s %7s\n" "$n" "$ch" "$(val ms_mean)" "$(val ms_max)" \
                "$(val plan_max)" "$(val eq_lb)/3"
        done
    done
fi

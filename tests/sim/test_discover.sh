#!/usr/bin/env bash
# Live discovery under ibsim equals the fabric it simulates, node by node
# (types, descriptions, GUIDs, port counts, links, widths, speeds: the
# checks of ftopo_fabric_compare, run through `fabtopo diff`).
#
#   test_discover.sh FABTOPO file NETFILE        a netfile as it is
#   test_discover.sh FABTOPO gen GEN-ARGS...     a netfile from `fabtopo gen`
#
# For the same fabric it also checks that libibnetdisc's cache saved by the
# sweep reads back equal, and that the ibnetdiscover text discovery writes
# loads in a fresh ibsim and discovers (as JSON this time) to the same
# fabric again.
# Exit 77 (skip) when ibsim, OpenSM or umad2sim is missing.
set -euo pipefail
fabtopo=$1
mode=$2
shift 2
. "$(dirname "$0")/simlib.sh"
sim_require
sim_workdir
w=$SIM_WORK

case $mode in
file) cp "$1" "$w/fabric.net" ;;
gen) "$fabtopo" gen "$@" -o "$w/fabric.net" || sim_fail "fabtopo gen $* failed" ;;
*) sim_fail "unknown mode $mode" ;;
esac

# discover OUT [ARGS]: discovery of the running simulator into OUT (format
# from its extension), timed.
discover() {
    local out=$1 t0=$SECONDS
    shift
    sim_run "$fabtopo" discover -v "$@" -o "$out" 2>"$out.log" ||
        { cat "$out.log" >&2; sim_fail "fabtopo discover failed"; }
    sim_log "discovered in $((SECONDS - t0)) s: $(grep -h 'swept' "$out.log" || true)"
}

# same A B WHAT: the two fabrics are equal, or the test fails with the diff.
same() {
    "$fabtopo" diff "$1" "$2" >"$w/diff.txt" 2>&1 || {
        head -20 "$w/diff.txt" >&2
        sim_fail "$3"
    }
}

sim_start "$w/fabric.net" $(sim_limits "$w/fabric.net")
# OpenSM assigns LIDs, as on a real fabric; discovery itself goes by
# directed routes and needs none.
sim_sm_sweep
discover "$w/live.net" --cache "$w/live.cache"
same "$w/fabric.net" "$w/live.net" "live discovery differs from the netfile"
same "$w/fabric.net" "$w/live.cache" "the libibnetdisc cache differs from the netfile"
grep -q '# lid [1-9]' "$w/live.net" || sim_fail "no LID assigned by OpenSM in the discovery"

# The ibnetdiscover text we wrote is a netfile too; this time discovery
# writes JSON.
sim_stop
sim_start "$w/live.net" $(sim_limits "$w/live.net")
discover "$w/again.json"
same "$w/fabric.net" "$w/again.json" "the written ibnetdiscover text does not discover to the same fabric"
echo "PASS: $(grep -c '^\(Switch\|Ca\)' "$w/fabric.net") nodes discovered as simulated"

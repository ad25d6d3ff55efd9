#!/bin/bash
# Acceptance: OpenSM programs exactly the project's LFTs.
#
# For each fabric (2- and 3-level fat trees, a rail-optimized cluster, a
# torus, all from `fabtopo gen`) under ibsim: OpenSM assigns LIDs (one minhop
# sweep), `fabtopo discover` reads the fabric with those LIDs, and for every
# project engine: `fabtopo route` computes the LFTs, `opensm -o -R file -U`
# loads them (its log must say the file engine configured every switch),
# and lft_check reads every switch's LFT back through MADs and compares it
# with the dump entry by entry. A dump with one entry changed must fail the
# comparison, so the check cannot pass vacuously.
#
# usage: test_routes_opensm.sh FABTOPO LFT_CHECK   (exit 77: skipped)
set -u
FABTOPO=$1
LFT_CHECK=$2
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/routes/sim_env.sh
. "$HERE/sim_env.sh"
sim_require_routes
ENGINES=${ROUTE_ENGINES:-$("$FABTOPO" route --list | awk '{print $1}')}
FAILED=0

fail() {
    echo "FAIL $*"
    FAILED=1
    SIM_KEEP=1
}

run_fabric() { # NAME GEN-ARGS...
    local name=$1 net
    shift
    net=$(mktemp /tmp/routes-opensm-net.XXXXXX)
    if ! "$FABTOPO" gen "$@" -f ibnetdiscover -o "$net"; then
        rm -f "$net"
        fail "$name: fabtopo gen $*"
        return
    fi
    sim_start "$net"
    rm -f "$net" # ibsim has read it
    local d=$SIM_DIR log=$SIM_DIR/osm/osm.log
    sim_sm_try_sweep -R minhop || {
        fail "$name: OpenSM did not bring the subnet up"
        return
    }
    sim_run "$FABTOPO" discover -f json -o "$d/live.json" 2>"$d/discover.log" || {
        fail "$name: discover: $(tail -3 "$d/discover.log")"
        return
    }
    local engine dump out
    for engine in $ENGINES; do
        dump=$d/$engine.dump
        "$FABTOPO" route -q -e "$engine" -o "$dump" "$d/live.json" || {
            fail "$name $engine: fabtopo route"
            continue
        }
        if ! sim_sm_try_sweep -R file -U "$dump" ||
            ! grep -q "file tables configured on all switches" "$log"; then
            fail "$name $engine: OpenSM did not load the dump with the file engine"
            grep -E "ERR|tables configured" "$log" | head -5
            continue
        fi
        if out=$(sim_run "$LFT_CHECK" "$d/live.json" "$dump" 2>"$d/check.err"); then
            echo "ok   $name $engine: $out"
        else
            fail "$name $engine: $out $(cat "$d/check.err")"
        fi
    done
    awk '!done && /^0x[0-9a-f]+ 001 / { $2 = "002"; done = 1 } { print }' "$dump" >"$d/bad.dump"
    sim_run "$LFT_CHECK" "$d/live.json" "$d/bad.dump" >"$d/bad.out" 2>&1
    if [ $? -eq 1 ] && grep -q "^lft_check: 1 of" "$d/bad.out"; then
        echo "ok   $name: a one-entry change is detected"
    else
        fail "$name: lft_check missed a changed entry: $(cat "$d/bad.out")"
    fi
}

# Each fabric gets a fresh simulator, also after a failure.
run_fabric fat-tree-2 ft2 --hosts 32 --radix 8
sim_stop
run_fabric fat-tree-3 ft3 --hosts 54 --radix 6
sim_stop
run_fabric rail rail --hosts 8 --hcas 4 --radix 8
sim_stop
run_fabric torus torus --hosts 18 --torus 3x3
exit $FAILED

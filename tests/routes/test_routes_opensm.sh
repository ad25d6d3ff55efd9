#!/bin/bash
# Acceptance: OpenSM programs exactly the project's LFTs.
#
# For each fabric (a 2-level fat tree, a rail-optimized cluster, a torus,
# all from `fabtopo gen`) under ibsim: OpenSM assigns LIDs (one minhop
# sweep), `fabtopo discover` reads the fabric with those LIDs, and for every
# project engine: `fabtopo route` computes the LFTs, `opensm -o -R file -U`
# loads them (its log must say the file engine configured every switch),
# and lft_check reads every switch's LFT back through MADs and compares it
# with the dump entry by entry.
#
# usage: test_routes_opensm.sh FABTOPO LFT_CHECK   (exit 77: skipped)
set -u
FABTOPO=$1
LFT_CHECK=$2
UMAD2SIM=/usr/lib/x86_64-linux-gnu/umad2sim/libumad2sim.so
ENGINES=${ROUTE_ENGINES:-$("$FABTOPO" route --list | awk '{print $1}')}

skip() {
    echo "SKIP: $*"
    exit 77
}
command -v ibsim >/dev/null || skip "ibsim not installed (ibsim-utils)"
command -v opensm >/dev/null || skip "opensm not installed"
[ -e "$UMAD2SIM" ] || skip "$UMAD2SIM missing (ibsim-utils)"
if "$FABTOPO" gen --help 2>&1 | grep -q "not built"; then
    skip "fabtopo gen is not built yet"
fi

WORK=$(mktemp -d /tmp/routes-opensm.XXXXXX)
export IBSIM_SOCKNAME=routes$$
IBSIM_PID=
cleanup() {
    [ -n "$IBSIM_PID" ] && kill "$IBSIM_PID" 2>/dev/null && wait "$IBSIM_PID" 2>/dev/null
    if [ "${FAILED:-0}" = 0 ]; then rm -rf "$WORK"; else echo "logs kept in $WORK"; fi
}
trap cleanup EXIT
FAILED=0

start_ibsim() { # NETFILE DIR
    ibsim -s "$1" </dev/null >"$2/ibsim.log" 2>&1 &
    IBSIM_PID=$!
    for _ in $(seq 100); do
        grep -q "simulator ready" "$2/ibsim.log" && return 0
        kill -0 "$IBSIM_PID" 2>/dev/null || break
        sleep 0.1
    done
    echo "ibsim did not start:"
    cat "$2/ibsim.log"
    return 1
}

stop_ibsim() {
    kill "$IBSIM_PID" 2>/dev/null
    wait "$IBSIM_PID" 2>/dev/null
    IBSIM_PID=
}

# One OpenSM sweep; the cache dir keeps guid2lid, so LIDs stay put.
opensm_once() { # DIR LOG ARGS...
    local dir=$1 log=$2
    shift 2
    OSM_TMP_DIR=$dir OSM_CACHE_DIR=$dir LD_PRELOAD=$UMAD2SIM \
        timeout 120 opensm -o -f "$log" "$@" >"$log.out" 2>&1
    grep -q "SUBNET UP" "$log"
}

run_fabric() { # NAME GEN-ARGS...
    local name=$1
    shift
    local dir=$WORK/$name
    mkdir -p "$dir"
    "$FABTOPO" gen "$@" -f ibnetdiscover -o "$dir/fabric.net" || {
        echo "FAIL $name: fabtopo gen $*"
        FAILED=1
        return
    }
    start_ibsim "$dir/fabric.net" "$dir" || {
        FAILED=1
        return
    }
    if ! opensm_once "$dir" "$dir/osm-lids.log" -R minhop; then
        echo "FAIL $name: OpenSM did not bring the subnet up"
        FAILED=1
        stop_ibsim
        return
    fi
    LD_PRELOAD=$UMAD2SIM "$FABTOPO" discover -f json -o "$dir/live.json" 2>"$dir/discover.log" || {
        echo "FAIL $name: discover"
        cat "$dir/discover.log"
        FAILED=1
        stop_ibsim
        return
    }
    for engine in $ENGINES; do
        local dump=$dir/$engine.dump log=$dir/osm-$engine.log
        if ! "$FABTOPO" route -q -e "$engine" -o "$dump" "$dir/live.json"; then
            echo "FAIL $name $engine: fabtopo route"
            FAILED=1
            continue
        fi
        if ! opensm_once "$dir" "$log" -R file -U "$dump" ||
            ! grep -q "file tables configured on all switches" "$log"; then
            echo "FAIL $name $engine: OpenSM did not load the dump with the file engine"
            grep -E "ERR|fallback|tables configured" "$log" | head -5
            FAILED=1
            continue
        fi
        local out
        out=$(LD_PRELOAD=$UMAD2SIM "$LFT_CHECK" "$dir/live.json" "$dump" 2>"$dir/check.err")
        if [ $? -eq 0 ]; then
            echo "ok   $name $engine: $out"
        else
            echo "FAIL $name $engine: $out $(cat "$dir/check.err")"
            FAILED=1
        fi
    done
    # The check must see a difference: one entry moved to another port.
    awk '!done && /^0x[0-9a-f]+ 001 / { $2 = "002"; done = 1 } { print }' "$dump" >"$dir/bad.dump"
    LD_PRELOAD=$UMAD2SIM "$LFT_CHECK" "$dir/live.json" "$dir/bad.dump" >"$dir/bad.out" 2>&1
    if [ $? -eq 1 ] && grep -q "1 of" "$dir/bad.out"; then
        echo "ok   $name: a one-entry change is detected"
    else
        echo "FAIL $name: lft_check missed a changed entry: $(cat "$dir/bad.out")"
        FAILED=1
    fi
    stop_ibsim
}

run_fabric fat-tree-2 ft2 --hosts 32 --radix 8
run_fabric rail rail --hosts 8 --hcas 4 --radix 8
run_fabric torus torus --hosts 18 --torus 3x3

exit $FAILED

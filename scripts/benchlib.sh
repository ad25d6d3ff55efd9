# shellcheck shell=bash
# Shared by scripts/bench-planner.sh and scripts/bench-routing.sh (sourced,
# not run): the work dir's cleanup at exit, the banner, starting and
# stopping ibsim, and one OpenSM sweep. The caller sets ROOT, WORK and
# IBSIM_SOCKNAME first. Env: KEEP=1 keeps the work dir.

IBSIM_PID=
bench_cleanup() {
    [ -n "$IBSIM_PID" ] && kill "$IBSIM_PID" 2>/dev/null && wait "$IBSIM_PID" 2>/dev/null
    if [ "${KEEP:-0}" = 1 ]; then echo "work dir: $WORK"; else rm -rf "$WORK"; fi
}
trap bench_cleanup EXIT

# bench_banner NAME: when, where and on what the numbers were taken.
bench_banner() {
    echo "$1: $(date -u '+%F %T') UTC on $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "OpenSM $(opensm --version 2>/dev/null | sed -n 's/^OpenSM //p' | head -1), $(git -C "$ROOT" log -1 --format=%h)"
}

stop_ibsim() {
    kill "$IBSIM_PID" 2>/dev/null
    wait "$IBSIM_PID" 2>/dev/null
    IBSIM_PID=
}

UMAD2SIM=/usr/lib/x86_64-linux-gnu/umad2sim/libumad2sim.so

# start_ibsim NETFILE DIR: ibsim with limits that fit the netfile (switch
# ports count port 0), its log in DIR.
start_ibsim() {
    local limits
    limits=$(awk '/^Switch/ { s++; n++; p += $2 + 1 } /^(Hca|Ca)/ { n++; p += $2 }
                  END { printf "-N %d -S %d -P %d\n", n + 16, s + 16, p + 64 }' "$1")
    # shellcheck disable=SC2086
    ibsim -s $limits "$1" </dev/null >"$2/ibsim.log" 2>&1 &
    IBSIM_PID=$!
    for _ in $(seq 600); do
        grep -qs "simulator ready" "$2/ibsim.log" && return 0
        sleep 0.1
    done
    echo "ibsim did not start"
    tail -3 "$2/ibsim.log"
    return 1
}

# opensm_once DIR LOG [OPENSM ARGS]: one OpenSM sweep (its cache in DIR, so
# LIDs stay the same between sweeps); fails unless the subnet came up.
opensm_once() {
    local dir=$1 log=$2
    shift 2
    OSM_TMP_DIR=$dir OSM_CACHE_DIR=$dir LD_PRELOAD=$UMAD2SIM \
        timeout 600 opensm -o -f "$log" "$@" >"$log.out" 2>&1
    grep -q "SUBNET UP" "$log"
}

# shellcheck shell=bash
# Shared by scripts/bench-planner.sh and scripts/bench-routing.sh (sourced,
# not run): the work dir's cleanup at exit, the banner and stopping ibsim.
# The caller sets ROOT and WORK first and starts ibsim with IBSIM_PID=$!.
# Env: KEEP=1 keeps the work dir.

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

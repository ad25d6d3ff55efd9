# fabricd as a client of the simulator that tests/sim/simlib.sh started:
# one way to start it, wait for it and stop it, for the fabricd tests, the
# benchmarks and the demo. Source simlib.sh first.
#
#   fabd_launch LOG FABRICD [ARGS]  # start fabricd (LD_PRELOAD umad2sim), output to LOG;
#                                   # sets FABD_PID and FABD_URL (http://127.0.0.1:PORT/)
#                                   # once it says where it listens
#   fabd_wait_health STATUS SECONDS # until /healthz says STATUS ("ok", "failing", ...);
#                                   # FABD_HEALTH: its body, then its HTTP code on a line
#   fabd_bench_fabric BUILD KIND HOSTS # build, generate, ibsim + one OpenSM sweep (benchmarks)
#   fabd_stop                       # SIGTERM and wait (SIGKILL to its process group after
#                                   # 20 s); returns fabricd's exit status
#
# fabricd is bounded by SIM_MAX_LIFE like the simulator, so that it dies
# with the test even when the test's shell is killed too hard to clean up.

FABD_PID=
FABD_URL=
FABD_LOG=
FABD_HEALTH=

fabd_launch() {
    FABD_LOG=$1
    local fabricd=$2
    shift 2
    : >"$FABD_LOG"
    LD_PRELOAD="$SIM_PRELOAD" timeout -s KILL "${SIM_MAX_LIFE:-900}" "$fabricd" "$@" \
        >"$FABD_LOG" 2>&1 &
    FABD_PID=$!
    FABD_URL=
    local i port
    for ((i = 0; i < 600; i++)); do
        port=$(sed -n 's|.*listening on http://[^:]*:\([0-9]*\)/.*|\1|p' "$FABD_LOG")
        [ -z "$port" ] || break
        kill -0 "$FABD_PID" 2>/dev/null || { cat "$FABD_LOG" >&2; sim_fail "fabricd exited"; }
        sleep 0.1
    done
    [ -n "$port" ] || sim_fail "fabricd does not say where it listens after 60 s"
    FABD_URL=http://127.0.0.1:$port/
}

fabd_wait_health() {
    local deadline=$((SECONDS + $2))
    while [ "$SECONDS" -lt "$deadline" ]; do
        FABD_HEALTH=$(curl -s -w '\n%{http_code}' "${FABD_URL}healthz")
        [ "$(head -1 <<<"$FABD_HEALTH" | jq -r .status 2>/dev/null)" != "$1" ] || return 0
        kill -0 "$FABD_PID" 2>/dev/null || { tail -20 "$FABD_LOG" >&2; sim_fail "fabricd exited"; }
        sleep 0.1
    done
    sim_fail "/healthz not $1 after $2 s: $FABD_HEALTH"
}

fabd_stop() {
    [ -n "$FABD_PID" ] || return 0
    local rc=0 i
    kill -TERM "$FABD_PID" 2>/dev/null || true
    for ((i = 0; i < 200; i++)); do
        kill -0 "$FABD_PID" 2>/dev/null || break
        sleep 0.1
    done
    # timeout(1) leads a process group of its own: fabricd and its MAD
    # children. A KILL to timeout alone would leave them running.
    kill -KILL -- "-$FABD_PID" 2>/dev/null || true
    wait "$FABD_PID" || rc=$?
    FABD_PID=
    return "$rc"
}

# fabd_bench_fabric BUILD KIND HOSTS: for the benchmarks, builds fabricd
# and fabtopo in BUILD (configured first when new; the log only on failure),
# generates the fabric into SIM_WORK (FABD_NET) and brings it up under ibsim
# with one OpenSM sweep.
fabd_bench_fabric() {
    local build=$1 kind=$2 hosts=$3 log
    if ! log=$({ [ -f "$build"/CMakeCache.txt ] || cmake -S "$(dirname "${BASH_SOURCE[0]}")/../.." -B "$build"; } 2>&1 &&
        cmake --build "$build" -j "$(nproc)" --target fabricd fabtopo 2>&1); then
        echo "$log" >&2
        exit 1
    fi
    sim_workdir
    FABD_NET=$SIM_WORK/$kind-$hosts.net
    "$build/bin/fabtopo" gen "$kind" --hosts "$hosts" -o "$FABD_NET"
    sim_start "$FABD_NET" $(sim_limits "$FABD_NET")
    sim_sm_sweep
}

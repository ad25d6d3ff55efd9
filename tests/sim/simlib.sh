# A private simulated InfiniBand fabric for one test: ibsim + OpenSM, with
# everything killed and removed on exit (normal, error, signal). Sourced by
# the tests in this folder and by scripts/demo.sh and the benchmark.
#
#   . simlib.sh
#   sim_require                   # exit 77 (ctest SKIP) if a tool is missing
#   sim_start NETFILE [IBSIM ARGS] # ibsim on its own IBSIM_SOCKNAME, waits until ready
#   sim_console 'Unlink "S-1"[3]' # a command on ibsim's console (its stdin)
#   sim_node_id NETFILE DESC      # ibsim's node id of the switch described DESC
#   sim_sm_sweep [OPENSM ARGS]    # one OpenSM sweep (opensm -o): LIDs and LFTs
#   sim_sm_try_sweep [OPENSM ARGS] # the same, returning 1 instead of failing
#   sim_sm_start [OPENSM ARGS]    # OpenSM in the background, waits for SUBNET UP
#   sim_run CMD...                # CMD as a MAD client of the simulator
#   sim_ibtracert_hops SLID DLID  # ibtracert's path, one "DESC IN OUT" line per hop
#   sim_vanish                    # stop both, keep SIM_DIR: running clients lose the fabric
#   sim_stop                      # stop both and remove SIM_DIR (sim_start may follow)
#   sim_workdir                   # SIM_WORK: a scratch folder removed at exit
#
# Settings (environment): SIM_MAX_LIFE (s, default 900) bounds ibsim and
# OpenSM even if this shell is killed with SIGKILL; SIM_RUN_TIMEOUT (s,
# default 300) bounds each sim_run; SIM_KEEP=1 keeps SIM_DIR for debugging.
# ibsim accepts at most 10 clients at a time (OpenSM counts as one).

SIM_PRELOAD=/usr/lib/x86_64-linux-gnu/umad2sim/libumad2sim.so
SIM_DIR=
SIM_PID=
SIM_SM_PID=
SIM_CONSOLE_FD=

sim_skip() {
    echo "SKIP: $*" >&2
    exit 77
}

sim_require() {
    local tool
    for tool in ibsim opensm timeout "$@"; do
        command -v "$tool" >/dev/null 2>&1 ||
            sim_skip "$tool is not installed (run scripts/install-deps.sh)"
    done
    [ -r "$SIM_PRELOAD" ] || sim_skip "umad2sim ($SIM_PRELOAD) is not installed (ibsim-utils)"
}

sim_log() {
    echo "sim: $*" >&2
}

sim_stop_sm() {
    if [ -n "$SIM_SM_PID" ]; then
        kill "$SIM_SM_PID" 2>/dev/null || true
        wait "$SIM_SM_PID" 2>/dev/null || true
        SIM_SM_PID=
    fi
}

# sim_vanish: stops OpenSM and ibsim but keeps SIM_DIR (and the sanitizer
# options naming files in it), so that clients still running see the
# fabric disappear.
sim_vanish() {
    sim_stop_sm
    if [ -n "$SIM_CONSOLE_FD" ]; then
        exec {SIM_CONSOLE_FD}>&-
        SIM_CONSOLE_FD=
    fi
    if [ -n "$SIM_PID" ]; then
        kill "$SIM_PID" 2>/dev/null || true
        wait "$SIM_PID" 2>/dev/null || true
        SIM_PID=
    fi
}

# sim_stop: stops OpenSM and ibsim and removes SIM_DIR; a new sim_start
# may follow.
sim_stop() {
    sim_vanish
    if [ -n "$SIM_DIR" ]; then
        # Programs run after the simulator must not name its removed
        # suppression files.
        export ASAN_OPTIONS=${SIM_SAVED_ASAN_OPTIONS-} LSAN_OPTIONS=${SIM_SAVED_LSAN_OPTIONS-}
    fi
    if [ -n "$SIM_DIR" ] && [ -d "$SIM_DIR" ]; then
        if [ -n "${SIM_KEEP:-}" ]; then
            sim_log "kept $SIM_DIR"
        else
            rm -rf "$SIM_DIR"
        fi
    fi
    SIM_DIR=
}

# sim_workdir: sets SIM_WORK to a scratch folder that outlives sim_stop and
# is removed at exit.
SIM_WORK=
sim_workdir() {
    [ -n "$SIM_WORK" ] || SIM_WORK=$(mktemp -d "${TMPDIR:-/tmp}/ftopo-work.XXXXXX")
}

sim_cleanup() {
    local rc=$?
    sim_stop
    if [ -n "$SIM_WORK" ] && [ -z "${SIM_KEEP:-}" ]; then
        rm -rf "$SIM_WORK"
    fi
    return $rc
}

# A signal ends the test through the EXIT trap, which cleans up.
trap sim_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

sim_dump_logs() {
    [ -n "$SIM_DIR" ] || return 0
    local f
    for f in "$SIM_DIR/ibsim.log" "$SIM_DIR/osm/osm.log"; do
        [ -s "$f" ] && { echo "--- last lines of $f" >&2; tail -15 "$f" >&2; }
    done
    return 0
}

sim_fail() {
    echo "FAIL: $*" >&2
    sim_dump_logs
    exit 1
}

# sim_start NETFILE [IBSIM ARGS...]
sim_start() {
    local netfile=$1
    shift
    [ -r "$netfile" ] || sim_fail "cannot read netfile $netfile"
    SIM_DIR=$(mktemp -d "${TMPDIR:-/tmp}/ftopo-sim.XXXXXX")
    # Every client of this simulator, and only they, use this socket name.
    export IBSIM_SOCKNAME="ftopo-${SIM_DIR##*.}-$$"
    # ibsim reads console commands from a FIFO that this shell holds open
    # read-write, so ibsim never sees end of file while the test runs.
    mkfifo "$SIM_DIR/console"
    exec {SIM_CONSOLE_FD}<>"$SIM_DIR/console"
    timeout -s KILL "${SIM_MAX_LIFE:-900}" ibsim -s "$@" "$netfile" \
        <"$SIM_DIR/console" >"$SIM_DIR/ibsim.log" 2>&1 &
    SIM_PID=$!
    local waited=0
    until grep -q "simulator ready" "$SIM_DIR/ibsim.log" 2>/dev/null; do
        kill -0 "$SIM_PID" 2>/dev/null || sim_fail "ibsim exited while loading $netfile"
        [ "$waited" -lt 600 ] || sim_fail "ibsim not ready after 60 s"
        sleep 0.1
        waited=$((waited + 1))
    done
    # Sanitized clients: umad2sim is preloaded ahead of the ASan runtime,
    # and its read() copies past its own buffer (umad2sim's bug): suppress
    # only interceptions made from that library.
    echo "interceptor_via_lib:libumad2sim.so" >"$SIM_DIR/asan.supp"
    # sim_stop removes these files and gives the caller's options back.
    SIM_SAVED_ASAN_OPTIONS=${ASAN_OPTIONS-}
    SIM_SAVED_LSAN_OPTIONS=${LSAN_OPTIONS-}
    export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0:suppressions=$SIM_DIR/asan.supp"
    # libibnetdisc 44 leaks one entry per port that shares a LID (every
    # switch port once LIDs are assigned); fixed upstream ("ibnetdisc: Fix
    # leak in add_to_portlid_hash"), not ours to fix.
    echo "leak:libibnetdisc.so" >"$SIM_DIR/lsan.supp"
    export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$SIM_DIR/lsan.supp"
}

sim_console() {
    [ -n "$SIM_CONSOLE_FD" ] || sim_fail "sim_console before sim_start"
    printf '%s\n' "$*" >&"$SIM_CONSOLE_FD"
}

sim_run() {
    LD_PRELOAD="$SIM_PRELOAD" timeout "${SIM_RUN_TIMEOUT:-300}" "$@"
}

sim_osm_env() {
    mkdir -p "$SIM_DIR/osm"
    : >"$SIM_DIR/osm/osm.log"
    export OSM_TMP_DIR="$SIM_DIR/osm" OSM_CACHE_DIR="$SIM_DIR/osm"
}

# sim_sm_try_sweep [OPENSM ARGS]: one sweep; the switches keep the LIDs and
# tables. "<engine> tables configured" in the log says which engine ran.
# Returns 1 (with the log's tail on stderr) unless the subnet came up, for
# tests that go on after a failure; OpenSM's cache (guid2lid) stays in
# SIM_DIR/osm between sweeps, so LIDs stay the same.
sim_sm_try_sweep() {
    sim_osm_env
    sim_run opensm -o -f "$SIM_DIR/osm/osm.log" "$@" >"$SIM_DIR/osm/stdout" 2>&1
    grep -q "SUBNET UP" "$SIM_DIR/osm/osm.log" || {
        tail -20 "$SIM_DIR/osm/osm.log" >&2
        return 1
    }
}

# sim_sm_sweep [OPENSM ARGS]: sim_sm_try_sweep, failing the test.
sim_sm_sweep() {
    sim_sm_try_sweep "$@" || sim_fail "OpenSM did not bring the subnet up"
}

# sim_sm_start [OPENSM ARGS]: a resident OpenSM (it answers traps, e.g.
# after sim_console Unlink), stopped by the cleanup.
sim_sm_start() {
    sim_osm_env
    # -d2 flushes the log after each line: a resident OpenSM otherwise
    # keeps "SUBNET UP" in its buffer.
    LD_PRELOAD="$SIM_PRELOAD" timeout -s KILL "${SIM_MAX_LIFE:-900}" \
        opensm -d2 -f "$SIM_DIR/osm/osm.log" "$@" >"$SIM_DIR/osm/stdout" 2>&1 &
    SIM_SM_PID=$!
    local waited=0
    until grep -q "SUBNET UP" "$SIM_DIR/osm/osm.log" 2>/dev/null; do
        kill -0 "$SIM_SM_PID" 2>/dev/null || sim_fail "opensm exited before SUBNET UP"
        [ "$waited" -lt 1200 ] || sim_fail "no SUBNET UP after 120 s"
        sleep 0.1
        waited=$((waited + 1))
    done
}

# sim_node_id NETFILE DESC: ibsim's node id ("S-<guid>") of the switch
# whose description the netfile's comment gives (fabtopo gen writes them).
sim_node_id() {
    awk -v d="# \"$2\"" '/^Switch/ && index($0, d) { print $3 }' "$1" | tr -d '"'
}

# sim_ibtracert_hops SLID DLID: ibtracert's path as one line per hop,
# "DESCRIPTION IN_PORT OUT_PORT" (0 for the source's in and the target's
# out), the form the project's traces are compared in.
sim_ibtracert_hops() {
    sim_run ibtracert "$1" "$2" 2>/dev/null | awk '
        /^From/ { split($0, q, "\""); desc = q[2]; in_port = 0 }
        /->/ { out = substr($1, 2, length($1) - 2); print desc, in_port, out
               split($0, q, "\""); desc = q[2]
               in_port = $0; sub(/.*}\[/, "", in_port); sub(/\].*/, "", in_port) }
        /^To/ { print desc, in_port, 0 }'
}

# ibsim's limits must cover the fabric: nodes, switches, ports (switch ports
# count port 0). Prints the matching -N -S -P arguments for a netfile.
sim_limits() {
    awk '/^Switch/ { s++; n++; p += $2 + 1 } /^(Hca|Ca|Rt)/ { n++; p += $2 }
         END { printf "-N %d -S %d -P %d\n", n + 16, s + 16, p + 64 }' "$1"
}

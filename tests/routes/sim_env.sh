# Shared by the route tests under ibsim + OpenSM (sourced, not run).
# Starts a private simulator, runs OpenSM sweeps on it, cleans up on exit.
# Usage: . sim_env.sh; sim_start NETFILE; sim_opensm [opensm args]; ...
# (sim_up NETFILE [opensm args] does both)
# Exit 77 (ctest SKIP) when a tool is missing, with the reason on stderr.

SIM_PRELOAD=/usr/lib/x86_64-linux-gnu/umad2sim/libumad2sim.so

sim_skip() {
    echo "SKIP: $*" >&2
    exit 77
}

sim_require() {
    for tool in ibsim opensm ibroute ibtracert smpdump ibnetdiscover "$@"; do
        command -v "$tool" >/dev/null 2>&1 || sim_skip "$tool not installed (scripts/install-deps.sh)"
    done
    [ -r "$SIM_PRELOAD" ] || sim_skip "umad2sim ($SIM_PRELOAD) not installed"
}

sim_cleanup() {
    [ -n "${SIM_PID:-}" ] && kill "$SIM_PID" 2>/dev/null
    wait 2>/dev/null
    [ -n "${SIM_DIR:-}" ] && [ -z "${KEEP_SIM_DIR:-}" ] && rm -rf "$SIM_DIR"
}

# sim_start NETFILE: ibsim on a socket of its own, in a fresh SIM_DIR.
sim_start() {
    SIM_DIR=$(mktemp -d /tmp/ftopo-routes.XXXXXX)
    trap sim_cleanup EXIT
    export IBSIM_SOCKNAME="ftopo-routes-$$-$(basename "$SIM_DIR")"
    ibsim -s "$1" </dev/null >"$SIM_DIR/ibsim.log" 2>&1 &
    SIM_PID=$!
    for _ in $(seq 50); do
        grep -q "simulator ready" "$SIM_DIR/ibsim.log" 2>/dev/null && break
        kill -0 "$SIM_PID" 2>/dev/null || { cat "$SIM_DIR/ibsim.log" >&2; return 1; }
        sleep 0.1
    done
    # ASan binaries preloaded with umad2sim: the preload comes first, and
    # umad2sim's read() copies past its own buffer (umad2sim's bug, not
    # ours): suppressed for memcpy calls made from that library only.
    # libibnetdisc 44 leaks small SMP buffers inside ibnd_discover_fabric.
    echo "interceptor_via_lib:libumad2sim.so" >"$SIM_DIR/asan.supp"
    echo "leak:libibnetdisc.so" >"$SIM_DIR/lsan.supp"
    export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0:suppressions=$SIM_DIR/asan.supp"
    export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$SIM_DIR/lsan.supp"
}

# sim_run CMD...: a MAD client of the simulator.
sim_run() {
    LD_PRELOAD="$SIM_PRELOAD" "$@"
}

# sim_opensm [ARGS]: one OpenSM sweep (-o), which leaves the tables in the
# switches; fails unless the subnet came up. Its cache (guid2lid) stays in
# SIM_DIR/osm between runs, so LIDs stay the same.
sim_opensm() {
    mkdir -p "$SIM_DIR/osm"
    : >"$SIM_DIR/osm/osm.log"
    OSM_TMP_DIR="$SIM_DIR/osm" OSM_CACHE_DIR="$SIM_DIR/osm" \
        sim_run timeout 120 opensm -f "$SIM_DIR/osm/osm.log" -o "$@" >"$SIM_DIR/osm/stdout" 2>&1
    grep -q "SUBNET UP" "$SIM_DIR/osm/osm.log" || {
        tail -20 "$SIM_DIR/osm/osm.log" >&2
        return 1
    }
}

# sim_up NETFILE [OPENSM ARGS]: sim_start NETFILE, then one sim_opensm sweep.
sim_up() {
    sim_start "$1"
    shift
    sim_opensm "$@"
}

# sim_ibnetdiscover FABTOPO: the fabric as ibnetdiscover sees it, in
# SIM_DIR/fabric.net; skips the test when FABTOPO's reader is not built yet,
# fails it when FABTOPO cannot read the file.
sim_ibnetdiscover() {
    sim_run ibnetdiscover >"$SIM_DIR/fabric.net" 2>/dev/null
    if ! "$1" show "$SIM_DIR/fabric.net" >"$SIM_DIR/show.txt" 2>&1; then
        grep -q "not built" "$SIM_DIR/show.txt" && sim_skip "the ibnetdiscover reader is not built yet"
        cat "$SIM_DIR/show.txt" >&2
        exit 1
    fi
}

# Entries of an LFT dump or ibroute output as "GUID LID PORT" lines
# (decimal LID and port), sorted.
lft_entries() {
    awk 'function hex(s,   i, v) {
             v = 0; s = tolower(substr(s, 3))
             for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
             return v
         }
         /^Unicast lids/ { for (i = 1; i < NF; i++) if ($i == "guid") g = $(i + 1); next }
         /^0x[0-9a-fA-F]+ +[0-9]+/ { printf "%s %d %d\n", g, hex($1), $2 + 0 }' "$@" | sort
}

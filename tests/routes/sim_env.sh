# The route tests' helpers on top of tests/sim/simlib.sh (sourced, bash):
# the route tools they need, one-call start, the fabric as ibnetdiscover
# sees it, and LFT entries in a comparable form.
# shellcheck source=tests/sim/simlib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../sim/simlib.sh"

sim_require_routes() {
    sim_require ibroute ibtracert smpdump ibnetdiscover
}

# sim_up NETFILE [OPENSM ARGS]: sim_start NETFILE, then one OpenSM sweep.
sim_up() {
    sim_start "$1"
    shift
    sim_sm_sweep "$@"
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

#!/usr/bin/env bash
# The README's first command: a simulated fat tree, discovered live.
#
#   scripts/demo.sh [KIND] [HOSTS]     (default: ft2 64)
#
# Installs the Debian packages if any is missing (as root), builds fabtopo
# into build/ if needed, generates the fabric (KIND: ft2, ft3, rail, torus),
# simulates it with ibsim, brings it up with OpenSM, discovers it through
# MADs with `fabtopo discover`, prints its summary with `fabtopo show`, and
# checks it against the generated netfile. Everything it starts is stopped
# and every temporary file removed, also on Ctrl-C or failure.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
kind=${1:-ft2}
hosts=${2:-64}

step() {
    printf '\n== %s\n' "$*" >&2
}

step "dependencies"
needed="ibsim opensm cmake pkg-config cc"
missing=$(for t in $needed; do command -v "$t" >/dev/null || echo "$t"; done)
if [ -n "$missing" ] || ! pkg-config --exists igraph libibnetdisc json-c cmocka 2>/dev/null; then
    if [ "$(id -u)" -eq 0 ]; then
        "$root/scripts/install-deps.sh"
    else
        sudo "$root/scripts/install-deps.sh"
    fi
else
    echo "all present" >&2
fi

step "build (build/)"
# Quiet unless it fails.
if ! log=$({ [ -f "$root/build"/CMakeCache.txt ] || cmake -S "$root" -B "$root/build"; } 2>&1 &&
    cmake --build "$root/build" -j "$(nproc)" --target fabtopo 2>&1); then
    echo "$log" >&2
    exit 1
fi
fabtopo=$root/build/bin/fabtopo

. "$root/tests/sim/simlib.sh"
sim_require
sim_workdir
net=$SIM_WORK/fabric.net

step "generate: fabtopo gen $kind --hosts $hosts"
"$fabtopo" gen "$kind" --hosts "$hosts" -o "$net"

step "simulate: ibsim + OpenSM"
sim_start "$net" $(sim_limits "$net")
sim_sm_sweep
grep -o '[a-z]* tables configured on all switches' "$SIM_DIR/osm/osm.log" | tail -1 >&2

step "discover: fabtopo discover -v (live, through MADs)"
sim_run "$fabtopo" discover -v -f json -o "$SIM_WORK/live.json"

step "summary: fabtopo show"
"$fabtopo" show "$SIM_WORK/live.json"

step "check: fabtopo diff generated live"
if "$fabtopo" diff "$net" "$SIM_WORK/live.json"; then
    echo "the live fabric is the generated one, node by node" >&2
else
    echo "the live fabric differs from the generated one" >&2
    exit 1
fi

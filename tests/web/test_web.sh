#!/bin/bash
# End-to-end test of fabricd's web view (issue 8) in Debian's headless
# chromium driven by playwright-core:
#  1. a small fat tree on ibsim + OpenSM, fabricd on it: every switch and
#     host drawn, a link's details on click, Unlink in ibsim marks the link
#     down without a reload, a ring plan drawn;
#  2. a ~1000-host 3-level fat tree: page load time printed (target < 1 s).
# Screenshots go to OUT_DIR (the build folder). Skips (77) without chromium,
# node or npm.
#   test_web.sh FABRICD FABTOPO OUT_DIR
set -euo pipefail
FABRICD=$1
FABTOPO=$2
OUT=$3
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/sim/simlib.sh
. "$HERE/../sim/simlib.sh"

for tool in chromium node npm; do
    command -v "$tool" >/dev/null 2>&1 || sim_skip "$tool is not installed (run scripts/install-deps.sh)"
done
sim_require
sim_workdir
# sim_start appends its SIM_DIR's suppression files to these; a second
# sim_start after sim_stop must not inherit the removed ones.
ASAN0=${ASAN_OPTIONS:-}
LSAN0=${LSAN_OPTIONS:-}
mkdir -p "$OUT"

# playwright-core from package-lock.json, installed once into the build folder.
NODE_DIR=$OUT/node
if ! cmp -s "$HERE/package-lock.json" "$NODE_DIR/package-lock.json" ||
    [ ! -d "$NODE_DIR/node_modules/playwright-core" ]; then
    mkdir -p "$NODE_DIR"
    cp "$HERE/package.json" "$HERE/package-lock.json" "$NODE_DIR/"
    (cd "$NODE_DIR" && npm ci --no-audit --no-fund --prefer-offline >npm.log 2>&1) ||
        { cat "$NODE_DIR/npm.log" >&2; sim_fail "npm ci (playwright-core) failed"; }
fi
export NODE_PATH=$NODE_DIR/node_modules
DRIVER=$HERE/web_e2e.js

FABD_PID=
FABD_LOG=
# fabd_stop: SIGTERM, and a sanitizer report in its log fails the test
# (the page's files go through web_assets.c).
fabd_stop() {
    if [ -n "$FABD_PID" ]; then
        kill "$FABD_PID" 2>/dev/null || true
        wait "$FABD_PID" 2>/dev/null || true
        FABD_PID=
        if grep -q "Sanitizer\|runtime error" "$FABD_LOG"; then
            grep -A20 "Sanitizer\|runtime error" "$FABD_LOG" >&2
            FABD_LOG=
            sim_fail "fabricd: sanitizer report"
        fi
    fi
}
trap 'fabd_stop; sim_cleanup' EXIT

# fabd_start NAME SWEEP_MS: fabricd on a free port; sets URL once the first
# sweep is in.
fabd_start() {
    local log=$SIM_WORK/$1.fabricd.log
    FABD_LOG=$log
    : >"$log"
    LD_PRELOAD="$SIM_PRELOAD" timeout -s KILL "${SIM_MAX_LIFE:-900}" "$FABRICD" --port 0 --socket "" \
        --state-dir "$SIM_WORK/$1.state" --sweep-interval-ms "$2" --poll-interval-ms "$2" \
        --token "${WEB_TOKEN:-}" >"$log" 2>&1 &
    FABD_PID=$!
    local i port=
    for ((i = 0; i < 600; i++)); do
        port=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$log")
        [ -n "$port" ] && break
        kill -0 "$FABD_PID" 2>/dev/null || { cat "$log" >&2; sim_fail "fabricd exited"; }
        sleep 0.1
    done
    [ -n "$port" ] || sim_fail "fabricd does not say where it listens"
    URL=http://127.0.0.1:$port/
    node "$DRIVER" wait "$URL" 120 || { tail "$log" >&2; sim_fail "no fabric from fabricd"; }
}

echo "== small fat tree: drawing, link details, Unlink, ring plan"
NET=$SIM_WORK/ft32.net
"$FABTOPO" gen ft2 --hosts 32 --radix 8 -o "$NET"
sim_start "$NET"
sim_sm_start
# With an API token: the page's files open without it, the page passes it
# on from its URL (#token=...).
export WEB_TOKEN=web-e2e-token
fabd_start small 1000
CONSOLE=$SIM_DIR/console
node "$DRIVER" check "$URL" "$CONSOLE" "$OUT" || sim_fail "web check (screenshots in $OUT)"
fabd_stop
unset WEB_TOKEN
sim_stop
export ASAN_OPTIONS=$ASAN0 LSAN_OPTIONS=$LSAN0

echo "== ~1000-host fat tree: page load time"
NET=$SIM_WORK/ft3-1024.net
"$FABTOPO" gen ft3 --hosts 1024 -o "$NET"
# shellcheck disable=SC2046
sim_start "$NET" $(sim_limits "$NET")
sim_sm_sweep
fabd_start large 20000
node "$DRIVER" load "$URL" "$OUT" 5 || sim_fail "web load"
fabd_stop
echo "screenshots: $OUT/web-*.png"

#!/bin/bash
# The README's first command, scripts/demo-fabricd.sh, on a small fat tree
# (16 hosts) with the programs of this build:
#  - --once prints the fabric summary, a ring plan and where the API is,
#    checks that the API answers, stops and exits 0;
#  - left running, it stops on SIGTERM (to the script) and on Ctrl-C
#    (SIGINT to its whole process group, as a terminal sends it) with exit
#    0, leaving no ibsim, OpenSM, fabricd (or discovery child) and no
#    temporary folder behind.
# usage: test_demo.sh BIN_DIR
set -euo pipefail
BIN=$1
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DEMO=$ROOT/scripts/demo-fabricd.sh
for tool in ibsim opensm curl jq setsid perl; do
    command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed" >&2; exit 77; }
done
OUT=$(mktemp -d "${TMPDIR:-/tmp}/fabd-demo-test.XXXXXX")
DEMO_PID=
# On failure: the demo's own clean stop first, then anything left of it.
trap '[ -z "$DEMO_PID" ] || { kill -TERM "$DEMO_PID"; sleep 3; kill -KILL -- "-$DEMO_PID"; } 2>/dev/null
      rm -rf "$OUT"' EXIT
fail() {
    echo "FAIL: $*" >&2
    [ ! -f "$OUT/out" ] || tail -30 "$OUT/out" >&2
    exit 1
}

# Any port: a demo on this machine may hold the default. setsid: a process
# group of its own, as a terminal gives a command (in a background job of
# this script, setsid execs the demo in place, so $! is the demo).
export DEMO_BIN=$BIN PORT=0

# The folders the demo says it uses: every process of the demo names one.
demo_dirs() {
    sed -n 's|^  log *\(.*\)/fabricd.log$|\1|p; s|^  faults .* > \(.*\)/console .*|\1|p' "$OUT/out"
}

no_leftovers() {
    local d
    [ -n "$(demo_dirs)" ] || fail "$1: the demo did not say which folders it uses"
    for d in $(demo_dirs); do
        [ ! -e "$d" ] || fail "$1: $d is left behind"
        ! pgrep -f "$d" >/dev/null || { pgrep -af "$d" >&2; fail "$1: processes left behind"; }
    done
}

setsid "$DEMO" --once ft2 16 >"$OUT/out" 2>&1 || fail "--once exited with $?"
for want in '^fabric +fat-tree-2, 16 hosts' '^ring order: ' '^  API +http://127.0.0.1:[0-9]+/api/v1/status' \
    '^API answers: status \(16 hosts\)'; do
    grep -Eq "$want" "$OUT/out" || fail "--once: no /$want/ in its output"
done
no_leftovers --once
echo "ok: --once prints the summary, a ring plan and the API, checks it and stops"

# stop_by SIGNAL TARGET: the demo left running, stopped by SIGNAL sent to
# TARGET ("script" or "group").
stop_by() {
    : >"$OUT/out" # the last run's output must not answer the wait below
    # A background job of a script starts with SIGINT ignored, and a shell
    # cannot trap a signal ignored at its start: perl (Debian's essential
    # perl-base) gives the demo the default back, as a terminal would.
    perl -e '$SIG{INT} = "DEFAULT"; exec @ARGV or die "exec: $!"' setsid "$DEMO" ft2 16 \
        >"$OUT/out" 2>&1 &
    DEMO_PID=$!
    local i
    for ((i = 0; i < 1200; i++)); do
        grep -q '^Ctrl-C stops' "$OUT/out" && break
        kill -0 "$DEMO_PID" 2>/dev/null || fail "the demo exited before it was up"
        sleep 0.1
    done
    [ "$i" -lt 1200 ] || fail "the demo not up in 120 s"
    if [ "$2" = group ]; then kill "-$1" -- "-$DEMO_PID"; else kill "-$1" "$DEMO_PID"; fi
    local rc=0
    wait "$DEMO_PID" || rc=$?
    DEMO_PID=
    [ "$rc" -eq 0 ] || fail "SIG$1 to the $2: the demo exited with $rc"
    no_leftovers "SIG$1 to the $2"
    echo "ok: SIG$1 to the $2 stops everything, exit 0"
}
stop_by TERM script
stop_by INT group

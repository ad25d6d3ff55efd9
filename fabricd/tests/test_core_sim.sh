#!/bin/bash
# fabricd's core on a simulated fat tree (16 hosts, 4 leaves, 2 spines):
#  - the live fabric equals the netfile (master diff empty), the trace
#    between two hosts equals ibtracert's;
#  - Unlink a spine link: link_down event within two sweeps, the link listed
#    down, the master diff finds it missing; ReLink: link_up, listed up;
#  - the link trained narrower (1x) or slower (FDR) through a PortInfo Set:
#    link_degraded, then link_restored when set back;
#  - PortXmitWait raised between polls on a link a ring plan uses: the link
#    is reported congested, the plan is invalidated and re-made, and the new
#    plan avoids the link;
#  - SymbolErrorCounter raised on a port: the link is reported erroring;
#  - Unlink a link of the current plan: the plan is invalidated and re-made
#    (once the SM has re-routed);
#  - restart with the same state directory: the history is there, and the
#    link unlinked before the restart is still listed down.
# usage: test_core_sim.sh CORE_DRIVER FABTOPO
set -euo pipefail
DRIVER=$1
FABTOPO=$2
. "$(dirname "$0")/../../tests/sim/simlib.sh"
sim_require ibtracert ibnetdiscover ibportstate
sim_workdir
NET=$SIM_WORK/ft16.net
"$FABTOPO" gen ft2 --hosts 16 --radix 8 -o "$NET"
STATE=$SIM_WORK/state
OUT=$SIM_WORK/driver.out
REPLY_FILE=$SIM_WORK/reply
DRV_PID=
DRV_FD=
NCMD=0

sim_id() { sim_node_id "$NET" "$1"; }

drv_start() {
    rm -f "$SIM_WORK/drv.in"
    mkfifo "$SIM_WORK/drv.in"
    exec {DRV_FD}<>"$SIM_WORK/drv.in"
    : >"$OUT"
    NCMD=0
    # Not through sim_run: $! must be the timeout(1) that runs the driver
    # (a backgrounded function is a subshell a kill would not pass on).
    LD_PRELOAD="$SIM_PRELOAD" timeout "${SIM_RUN_TIMEOUT:-300}" "$DRIVER" --state "$STATE" \
        --sweep-ms 1000 --poll-ms 500 --master "$NET" \
        <"$SIM_WORK/drv.in" >"$OUT" 2>"$SIM_WORK/driver.err" &
    DRV_PID=$!
}

drv_stop() {
    printf 'quit\n' >&"$DRV_FD"
    wait "$DRV_PID" || sim_fail "the driver exited with $? (see $SIM_WORK/driver.err)"
    exec {DRV_FD}>&-
    DRV_PID=
}

# cmd LINE: sends a command, waits for its "done N", leaves the reply in
# REPLY_FILE.
cmd() {
    printf '%s\n' "$*" >&"$DRV_FD"
    NCMD=$((NCMD + 1))
    local waited=0
    until grep -q "^done $NCMD\$" "$OUT"; do
        kill -0 "$DRV_PID" 2>/dev/null || { cat "$SIM_WORK/driver.err" >&2; sim_fail "driver died"; }
        [ "$waited" -lt 1200 ] || sim_fail "no answer to '$*' in 120 s"
        sleep 0.1
        waited=$((waited + 1))
    done
    awk -v n=$((NCMD - 1)) -v m=$NCMD '
        $0 == "done " n { on = 1; next } $0 == "done " m { exit } on || n == 0' "$OUT" >"$REPLY_FILE"
}

expect() {
    grep -Eq "$1" "$REPLY_FILE" || { cat "$REPLY_FILE" >&2; sim_fail "expected /$1/ after $2"; }
}

# Sets SWEEPS to the sweeps done (not in a subshell: cmd counts commands).
sweeps() {
    cmd health
    SWEEPS=$(sed -n 's/.*sweeps=\([0-9]*\).*/\1/p' "$REPLY_FILE")
}

BUMP_PID=
cleanup_driver() {
    if [ -n "$BUMP_PID" ]; then kill "$BUMP_PID" 2>/dev/null || true; fi
    if [ -n "$DRV_PID" ]; then kill "$DRV_PID" 2>/dev/null || true; fi
}
trap 'cleanup_driver; sim_cleanup' EXIT

sim_start "$NET"
sim_sm_sweep
drv_start
cmd sweep
expect '^swept' "the first sweep"
cmd diff
if grep -q '^diff' "$REPLY_FILE"; then cat "$REPLY_FILE" >&2; sim_fail "live fabric differs from the netfile"; fi
# The trace follows the switches' tables hop by hop, as ibtracert does.
cmd trace node001 node016
expect '^result ok' "trace node001 node016"
read -r _ slid dlid < <(grep '^lids' "$REPLY_FILE")
grep '^hop' "$REPLY_FILE" | cut -d' ' -f2- >"$SIM_WORK/trace.ours"
sim_ibtracert_hops "$slid" "$dlid" >"$SIM_WORK/trace.ibtracert"
diff "$SIM_WORK/trace.ours" "$SIM_WORK/trace.ibtracert" >&2 ||
    sim_fail "trace node001 -> node016 differs from ibtracert $slid $dlid"
echo "ok: live fabric equals the netfile, trace equals ibtracert's ($(wc -l <"$SIM_WORK/trace.ours") hops)"

# ---- Unlink / ReLink a spine link.
LEAF1=$(sim_id leaf01)
sweeps
before=$SWEEPS
sim_console "Unlink \"$LEAF1\"[5]"
cmd wait link_down 30000
expect 'link_down' "Unlink leaf01[5]"
sweeps
after=$SWEEPS
[ $((after - before)) -le 2 ] || sim_fail "link_down took $((after - before)) sweeps"
cmd links
expect '^down (leaf01\[5\] spine01\[1\]|spine01\[1\] leaf01\[5\])' "Unlink leaf01[5]"
cmd diff
expect '^diff missing (leaf01\[5\] spine01\[1\]|spine01\[1\] leaf01\[5\])' "master diff after Unlink"
echo "ok: link down within $((after - before)) sweeps, listed down, master diff finds it"
# A subnet manager re-routes around the hole; the daemon sees new LFTs.
sim_sm_sweep
cmd wait lft_changed 30000
expect 'lft_changed' "OpenSM re-routing around leaf01[5]"
echo "ok: the re-routed forwarding tables are read ($(cut -d' ' -f8 "$REPLY_FILE") entries changed)"
sim_console "ReLink \"$LEAF1\"[5]"
cmd wait link_up 30000
expect 'link_up' "ReLink leaf01[5]"
sim_sm_sweep
cmd wait lft_changed 30000
cmd links
if grep -q '^down' "$REPLY_FILE"; then cat "$REPLY_FILE" >&2; sim_fail "link still down after ReLink"; fi
echo "ok: link up again after ReLink"

# ---- Width and speed. ibsim has no console command for them, but it
# applies a PortInfo Set of LinkWidthEnabled / LinkSpeedExtEnabled (what an
# SM or ibportstate sends) to the link at once, both ends, as a cable that
# trains at 1x or FDR would show.
LEAF1_LID=$(sim_run ibnetdiscover 2>/dev/null | sed -n 's/.*# "leaf01" base port 0 lid \([0-9]*\).*/\1/p')
[ -n "$LEAF1_LID" ] || sim_fail "no LID for leaf01 in ibnetdiscover's output"
LINK5='(leaf01\[5\] <-> spine01\[1\]|spine01\[1\] <-> leaf01\[5\])'
sim_run ibportstate "$LEAF1_LID" 5 width 1 >/dev/null
cmd wait link_degraded 30000
expect "link_degraded .*$LINK5 degraded from 4xEDR to 1xEDR" "LinkWidthEnabled 1x on leaf01[5]"
sim_run ibportstate "$LEAF1_LID" 5 width 3 >/dev/null
cmd wait link_restored 30000
expect "link_restored .*$LINK5 restored from 1xEDR to 4xEDR" "LinkWidthEnabled back to 1x|4x"
sim_run ibportstate "$LEAF1_LID" 5 espeed 1 >/dev/null
cmd wait link_degraded 30000
expect "link_degraded .*$LINK5 degraded from 4xEDR to 4xFDR" "LinkSpeedExtEnabled FDR on leaf01[5]"
sim_run ibportstate "$LEAF1_LID" 5 espeed 3 >/dev/null
cmd wait link_restored 30000
expect "link_restored .*$LINK5 restored from 4xFDR to 4xEDR" "LinkSpeedExtEnabled back to FDR|EDR"
echo "ok: width 4x -> 1x and speed EDR -> FDR on leaf01[5] reported degraded, then restored"

# ---- Congestion on a link the plan uses.
HOSTS="node001 node005 node009 node013"
cmd plan $HOSTS
expect '^plan 1 ' "the first plan"
read -r _ egress peer < <(grep '^uses' "$REPLY_FILE" | head -1)
node=$(sed 's/\[.*//' <<<"$egress")
port=$(sed 's/.*\[\([0-9]*\)\]/\1/' <<<"$egress")
echo "congesting $egress -> $peer"
node_id=$(sim_id "$node")
(
    for i in $(seq 1 60); do
        echo "PerformanceSet \"$node_id\"[$port] PortCounters.PortXmitWait=$((i * 50000000))"
        sleep 0.25
    done >&"$SIM_CONSOLE_FD"
) &
BUMP_PID=$!
cmd wait link_congested 30000
expect "link_congested .* $(sed 's/[][]/\\&/g' <<<"$egress") -> " "raising PortXmitWait on $egress"
cmd wait plan_invalidated 30000
expect 'plan_invalidated' "congesting a link of plan 1"
cmd plan $HOSTS
expect '^plan ' "a plan under congestion"
if grep -q "^uses $egress " "$REPLY_FILE"; then cat "$REPLY_FILE" >&2; sim_fail "the new plan still uses $egress"; fi
kill "$BUMP_PID" 2>/dev/null || true
wait "$BUMP_PID" 2>/dev/null || true
BUMP_PID=
echo "ok: $egress reported congested, plan 1 invalidated, new plans avoid it"

# ---- Errors counted on a port.
sim_console "PerformanceSet \"$LEAF1\"[1] PortCounters.SymbolErrorCounter=100"
cmd wait link_errors 30000
expect 'link_errors .*leaf01\[1\] <- node001' "raising SymbolErrorCounter on leaf01[1]"
echo "ok: symbol errors on leaf01[1] reported"

# ---- A link of the current plan goes down; history across a restart.
cmd plan $HOSTS
expect '^plan ' "a plan before unlinking one of its links"
read -r _ egress peer < <(grep '^uses' "$REPLY_FILE" | grep -vF "uses $egress " | head -1)
node=$(sed 's/\[.*//' <<<"$egress")
port=$(sed 's/.*\[\([0-9]*\)\]/\1/' <<<"$egress")
sim_console "Unlink \"$(sim_id "$node")\"[$port]"
cmd wait link_down 30000
expect 'link_down' "Unlink $egress"
cmd wait plan_invalidated 30000
expect "plan_invalidated .*is down" "unlinking $egress, a link of the plan"
if [ "$(cut -d' ' -f8 "$REPLY_FILE")" = 0 ]; then
    # No routes readable until the SM re-routes: the re-plan follows.
    sim_sm_sweep
    cmd wait plan_replanned 30000
    expect 'plan_replanned' "OpenSM re-routing around $egress"
else
    sim_sm_sweep
fi
echo "ok: unlinking $egress invalidated the plan and a new one was made"
drv_stop
drv_start
cmd events
expect 'link_up .*leaf01' "restart (history of the first run)"
expect 'plan_invalidated' "restart (history of the first run)"
cmd sweep
cmd links
re_a=$(sed 's/[][]/\\&/g' <<<"$egress")
re_b=$(sed 's/[][]/\\&/g' <<<"$peer")
expect "^down ($re_a $re_b|$re_b $re_a)" "restart with $egress unlinked"
drv_stop
echo "ok: restart keeps the history and the down link"

#!/usr/bin/env bash
# The harness itself, as later tests use it: a resident OpenSM, counters
# set and cables pulled on ibsim's console, and nothing left behind.
#   test_harness.sh NETFILE
set -euo pipefail
netfile=$1
. "$(dirname "$0")/simlib.sh"
sim_require ibnetdiscover perfquery

# until SECONDS CMD...: polls CMD every 0.2 s (the console is asynchronous).
until_true() {
    local tries=$(($1 * 5))
    shift
    while ! "$@"; do
        tries=$((tries - 1))
        [ "$tries" -gt 0 ] || return 1
        sleep 0.2
    done
}

sim_start "$netfile"
sim_sm_start
sm_pid=$SIM_SM_PID sim_pid=$SIM_PID dir=$SIM_DIR

# The second switch of the netfile and one of its cabled ports.
id=$(awk '/^Switch/ { n++; if (n == 2) { print $3; exit } }' "$netfile")
port=$(awk '/^Switch/ { n++ } n == 2 && /^\[/ { sub(/^\[/, ""); sub(/\].*/, ""); print; exit }' \
    "$netfile")
lid=$(sim_run ibnetdiscover 2>/dev/null | awk -v id="${id//\"/}" \
    '$1 == "Switch" && index($0, id) { for (i = 1; i < NF; i++) if ($i == "lid") print $(i + 1) }')
[ -n "$lid" ] && [ "$lid" -gt 0 ] || sim_fail "OpenSM gave $id no LID"

sim_console "PerformanceSet $id[$port] PortCounters.PortXmitWait=4321"
xmit_wait_set() {
    sim_run perfquery "$lid" "$port" 2>/dev/null | grep -q 'PortXmitWait:\.*4321$'
}
until_true 10 xmit_wait_set || sim_fail "PortXmitWait of $id[$port] not set through the console"

# A pulled cable sends a trap; the resident OpenSM sweeps again.
sim_console "Unlink $id[$port]"
resweep() {
    [ "$(grep -c 'SUBNET UP' "$SIM_DIR/osm/osm.log")" -ge 2 ]
}
until_true 20 resweep || sim_fail "OpenSM did not sweep again after Unlink"

sim_stop
kill -0 "$sm_pid" 2>/dev/null && sim_fail "OpenSM still runs after sim_stop"
kill -0 "$sim_pid" 2>/dev/null && sim_fail "ibsim still runs after sim_stop"
[ -e "$dir" ] && sim_fail "$dir left behind"
echo "PASS"

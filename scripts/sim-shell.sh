#!/usr/bin/env bash
# A simulated fabric to try tools on by hand:
#
#   scripts/sim-shell.sh NETFILE [COMMAND...]
#
# Starts ibsim on NETFILE (limits raised to fit it) and runs one OpenSM
# sweep, then runs COMMAND, or an interactive shell, as a client of that
# simulator (LD_PRELOAD of umad2sim and IBSIM_SOCKNAME set): fabtopo
# discover, ibnetdiscover, ibroute, perfquery all work in it. ibsim's console
# is the FIFO $SIM_CONSOLE:
#   echo 'Unlink "S-0002c9fe00000001"[3]' >"$SIM_CONSOLE"
# Everything is stopped and removed when the command or shell exits.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
[ $# -ge 1 ] || { sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
netfile=$1
shift
. "$root/tests/sim/simlib.sh"
sim_require
sim_start "$netfile" $(sim_limits "$netfile")
sim_sm_sweep
export SIM_CONSOLE=$SIM_DIR/console
echo "simulator up: IBSIM_SOCKNAME=$IBSIM_SOCKNAME, OpenSM log $SIM_DIR/osm/osm.log" >&2
if [ $# -gt 0 ]; then
    LD_PRELOAD=$SIM_PRELOAD "$@"
else
    LD_PRELOAD=$SIM_PRELOAD PS1='(ibsim) \w\$ ' bash --norc -i
fi

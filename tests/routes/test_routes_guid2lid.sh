#!/bin/bash
# Under ibsim + OpenSM: the route set's deterministic LID assignment,
# written as OpenSM's guid2lid file into its cache directory, is what a
# fresh OpenSM gives the ports, so a dump computed for a fabric without
# LIDs (generated, or discovered before any SM ran) loads with
# `opensm -R file -U` exactly as computed.
# Usage: test_routes_guid2lid.sh FABTOPO
set -eu
FABTOPO=$1
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/sim_env.sh"
sim_require_routes
"$FABTOPO" route --list >/dev/null 2>&1 || sim_skip "fabtopo route is not built"
sim_start "$HERE/fat-tree-64lids.net"
D=$SIM_DIR

# No SM has run: discovery by directed routes sees no LIDs.
sim_ibnetdiscover "$FABTOPO"
mkdir -p "$D/osm"
"$FABTOPO" route -q -e minhop -l assign -g "$D/osm/guid2lid" -o "$D/assigned.dump" "$D/fabric.net"
# Our order is not OpenSM's own (which mixes hosts among the switches):
# the 8 switches hold LIDs 1-8 here.
if grep -q "^0x000[1-8] .*Channel Adapter" "$D/assigned.dump"; then
    echo "assigned LIDs do not put the switches first" >&2
    exit 1
fi
sim_sm_sweep -R file -U "$D/assigned.dump"
grep -q "file tables configured on all switches" "$D/osm/osm.log" || {
    echo "OpenSM did not run the file engine" >&2
    exit 1
}
sim_run "$FABTOPO" lfts --live -o "$D/live.dump"
lft_entries "$D/assigned.dump" >"$D/want"
lft_entries "$D/live.dump" >"$D/got"
diff -u "$D/want" "$D/got" || { echo "OpenSM did not keep the assigned LIDs and tables" >&2; exit 1; }
echo "OpenSM took the assigned LIDs from guid2lid and programmed all $(wc -l <"$D/got") entries"

#!/bin/bash
# Under ibsim + OpenSM: `fabtopo trace` over the live LFTs (read with
# `fabtopo lfts --live`, fabric from ibnetdiscover) prints the same hops as
# ibtracert: host to host on one leaf and across spines, host to switch,
# switch to host and switch to switch.
# Usage: test_routes_trace.sh FABTOPO
set -eu
FABTOPO=$1
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/sim_env.sh"
sim_require_routes
sim_up "$HERE/fat-tree-64lids.net"
D=$SIM_DIR
sim_ibnetdiscover "$FABTOPO"
sim_run "$FABTOPO" lfts --live -o "$D/live.dump" "$D/fabric.net"

# LIDs by description in this fabric: hosts 2.., switches from the dump.
lid_of() {
    awk -v d="$1" 'index($0, "\"" d "\"") && /lid [0-9]+/ {
        for (i = 1; i < NF; i++) if ($i == "lid") { print $(i + 1); exit } }' "$D/fabric.net"
}
pairs="node001:node002 node001:node056 node020:node043 node056:node015 node007:spine3
       leaf2:node001 spine1:spine4 leaf1:leaf4 spine2:node030"
checked=0
for pair in $pairs; do
    src=$(lid_of "$(echo "${pair%%:*}" | sed 's/^node.*/& HCA-1/')")
    dst=$(lid_of "$(echo "${pair##*:}" | sed 's/^node.*/& HCA-1/')")
    [ -n "$src" ] && [ -n "$dst" ] || { echo "no LID for $pair" >&2; exit 1; }
    sim_run ibtracert "$src" "$dst" 2>/dev/null >"$D/want"
    rc=0
    "$FABTOPO" trace "$D/fabric.net" --lfts "$D/live.dump" "$src" "$dst" >"$D/got" || rc=$?
    [ "$rc" -eq 0 ] || { cat "$D/got" >&2; echo "trace $pair failed ($rc)" >&2; exit 1; }
    diff -u "$D/want" "$D/got" || { echo "trace $pair ($src -> $dst) differs from ibtracert" >&2; exit 1; }
    checked=$((checked + 1))
done
echo "$checked traces equal ibtracert's"

# The analyzer on the same tables: minhop on a full fat tree delivers every
# flow over up/down paths, so there is no credit loop.
"$FABTOPO" analyze "$D/fabric.net" --lfts "$D/live.dump" -p all2all --json >"$D/a2a.json"
grep -q '"unreachable": 0,' "$D/a2a.json" || { cat "$D/a2a.json" >&2; exit 1; }
grep -q '"credit_loop": false' "$D/a2a.json" || { cat "$D/a2a.json" >&2; exit 1; }
grep -q '"flows": 3080,' "$D/a2a.json" || { grep flows "$D/a2a.json" >&2; exit 1; }
echo "all2all over the live tables: 3080 flows delivered, no credit loop"

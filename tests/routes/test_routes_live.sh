#!/bin/bash
# Under ibsim + OpenSM: `fabtopo lfts --live` reads exactly what ibroute
# reads from every switch (and, for the highest LID when it is a multiple of
# 64, which ibroute skips, what smpdump reads). That OpenSM's file engine
# loads our dumps is test_routes_opensm.sh's job.
# Usage: test_routes_live.sh FABTOPO
set -eu
FABTOPO=$1
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/sim_env.sh"
sim_require_routes
sim_up "$HERE/fat-tree-64lids.net"
D=$SIM_DIR

sim_run "$FABTOPO" lfts --live -o "$D/live.dump"
lft_entries "$D/live.dump" >"$D/ours"

# Every switch by its LID, through ibroute.
switch_lids=$(awk '/^Unicast lids/ { for (i = 1; i < NF; i++) if ($i == "Lid") print $(i + 1) }' "$D/live.dump")
for lid in $switch_lids; do
    sim_run ibroute "$lid" 2>/dev/null
done >"$D/ibroute.txt"
lft_entries "$D/ibroute.txt" >"$D/theirs"
# ibroute stops one LID short when the top is a multiple of 64: that entry
# is the first byte of the next LinearForwardingTable block.
top=$(awk '/^Unicast lids/ { split($3, r, "-"); print r[2]; exit }' "$D/live.dump" | tr -d ']')
top=$(printf '%d' "$top")
if [ $((top % 64)) -eq 0 ]; then
    for lid in $switch_lids; do
        guid=$(sim_run smpdump "$lid" 0x11 0 2>/dev/null | tr -d ' \n' | cut -c25-40)
        port=$(sim_run smpdump "$lid" 0x19 $((top / 64)) 2>/dev/null | head -1 | cut -c1-2)
        [ "$port" = ff ] || echo "0x$guid $top $(printf '%d' "0x$port")"
    done >>"$D/theirs"
    sort -o "$D/theirs" "$D/theirs"
fi
n=$(wc -l <"$D/ours")
[ "$n" -eq 512 ] || { echo "expected 8 switches x 64 LIDs, read $n entries" >&2; exit 1; }
diff -u "$D/theirs" "$D/ours" || { echo "live LFTs differ from ibroute's" >&2; exit 1; }
echo "live LFTs of $(echo "$switch_lids" | wc -w) switches equal ibroute/smpdump ($n entries)"

# ibroute's own output is a dump our reader takes (its header and column
# lines included), against the fabric as ibnetdiscover sees it.
sim_run ibnetdiscover >"$D/fabric.net" 2>/dev/null
if "$FABTOPO" show "$D/fabric.net" >/dev/null 2>&1; then
    "$FABTOPO" lfts --lfts "$D/ibroute.txt" -o "$D/canon.dump" "$D/fabric.net"
    lft_entries "$D/ibroute.txt" >"$D/want"
    lft_entries "$D/canon.dump" >"$D/got"
    diff -u "$D/want" "$D/got" || { echo "ibroute output read back differently" >&2; exit 1; }
    echo "ibroute output reads back as the same $(wc -l <"$D/got") entries"
else
    echo "note: ibnetdiscover reader missing, ibroute read-back not checked"
fi

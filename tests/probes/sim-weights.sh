#!/bin/bash
# Probe results in fabricd's ring planning on a discovered fabric: a
# simulated fat tree (ibsim + OpenSM, 16 hosts on 4 leaves), fabricd
# sweeping it. Ring plans for node001-node008 (two leaves) and for
# node001-node004 (one leaf) are made, then probe results are pushed that
# say every pair across the two leaves runs at a tenth of the pairs inside
# a leaf. A new plan for the 8 hosts must put a higher load on its
# crossing links (their capacity lowered to a tenth: max load at least 5
# times the first), while the one-leaf plan, whose links fast pairs cross,
# stays as it was.
# usage: sim-weights.sh FABRICD FABTOPO
set -euo pipefail
FABRICD=$1
FABTOPO=$2
here=$(dirname "$(readlink -f "$0")")
# shellcheck source=tests/sim/simlib.sh
. "$here/../sim/simlib.sh"
# shellcheck source=fabricd/tests/fabdlib.sh
. "$here/../../fabricd/tests/fabdlib.sh"
sim_require curl jq
sim_workdir
NET=$SIM_WORK/ft16.net
"$FABTOPO" gen ft2 --hosts 16 --radix 8 -o "$NET"
TOKEN=probe-weights
# SIGTERM (timeout passes it on to fabricd; a KILL would orphan fabricd).
trap 'fabd_stop >/dev/null 2>&1; sim_cleanup' EXIT
sim_start "$NET"
sim_sm_start -R minhop
fabd_launch "$SIM_WORK/fabricd.log" "$FABRICD" --port 0 --socket "" --token "$TOKEN" \
    --state-dir "$SIM_WORK/state" --sweep-interval-ms 1000 --poll-interval-ms -1
fabd_wait_health ok 60
URL=${FABD_URL%/}
api() { curl -sS -H "Authorization: Bearer $TOKEN" "$@"; }
# max_load HOSTS...: the max link load of a fresh ring plan for the hosts
# (it waits for the forwarding tables, which come after the first sweep).
max_load() {
    local hosts doc
    hosts=$(printf '%s,' "$@")
    for _ in $(seq 100); do
        doc=$(api "$URL/api/v1/ring?hosts=${hosts%,}")
        jq -e .plan.max_load <<<"$doc" >/dev/null 2>&1 && break
        sleep 0.2
    done
    jq -e .plan.max_load <<<"$doc" || sim_fail "no plan for $*: $doc"
}
TWO_LEAVES="node001 node002 node003 node004 node005 node006 node007 node008"
ONE_LEAF="node001 node002 node003 node004"
# shellcheck disable=SC2086 # host lists
before2=$(max_load $TWO_LEAVES)
# shellcheck disable=SC2086
before1=$(max_load $ONE_LEAF)

results=$(for i in $(seq 1 8); do for j in $(seq $((i + 1)) 8); do
    mbps=$([ $(((i - 1) / 4)) = $(((j - 1) / 4)) ] && echo 1000 || echo 100)
    printf '{"a": "node%03d", "b": "node%03d", "kind": "bw", "ok": true, "mb_per_s": %s}\n' \
        "$i" "$j" "$mbps"
done; done | jq -s -c .)
[ "$(api -X POST -d "$results" "$URL/api/v1/probes/results" | jq .accepted)" = 28 ] ||
    sim_fail "the 28 results were not accepted"

# shellcheck disable=SC2086
after2=$(max_load $TWO_LEAVES)
# shellcheck disable=SC2086
after1=$(max_load $ONE_LEAF)
echo "# max link load, two leaves: $before2 -> $after2; one leaf: $before1 -> $after1"
awk -v a="$after2" -v b="$before2" 'BEGIN { exit !(a >= 5 * b) }' ||
    sim_fail "the slow cross-leaf pairs did not raise the 8-host plan's load ($before2 -> $after2)"
[ "$after1" = "$before1" ] || sim_fail "the one-leaf plan changed ($before1 -> $after1)"
fabd_stop || sim_fail "fabricd exited with $? after SIGTERM"
echo "ok - probe results raise the cost of the crossing links only ($before2 -> $after2 for two leaves, one leaf unchanged)"

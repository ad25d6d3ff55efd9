#!/bin/bash
# fabricd's HTTP API and fabricctl on a simulated fat tree (16 hosts, 4
# leaves, 2 spines) with a resident OpenSM:
#  - the API's topology equals the netfile, the trace equals ibtracert's;
#  - token on TCP (401 without or wrong), none on the Unix socket;
#  - Unlink a spine link: link_down event (long poll) within two sweeps,
#    the link listed down, POSTed master diff finds it, a new ring plan
#    does not load it; ReLink: link_up;
#  - PortXmitWait raised between polls: the link is listed congested and
#    /metrics shows the counter;
#  - robustness: malformed JSON, unknown paths, wrong method, oversized and
#    slow requests, 200 concurrent clients; the daemon keeps sweeping;
#  - SIGHUP reloads the token; SIGTERM exits 0 (no leak under ASan) and a
#    restart shows the history; a request in flight at SIGTERM is answered;
#  - /healthz: starting (503) before the first snapshot, failing (503) when
#    discoveries keep failing (hang past their timeout), degraded (200,
#    last snapshot served) when the simulator goes away, then failing;
#    degraded (200, with the error) while no SM lets the LFTs be read.
# usage: test_api_sim.sh FABRICD FABRICTL FABTOPO
set -euo pipefail
FABRICD=$1
FABRICTL=$2
FABTOPO=$3
. "$(dirname "$0")/../../tests/sim/simlib.sh"
. "$(dirname "$0")/fabdlib.sh"
sim_require curl jq ibtracert
sim_workdir
NET=$SIM_WORK/ft16.net
"$FABTOPO" gen ft2 --hosts 16 --radix 8 -o "$NET"
STATE=$SIM_WORK/state
CONF=$SIM_WORK/fabricd.conf
SOCK=$SIM_WORK/fabricd.sock
LOG=$SIM_WORK/fabricd.log
TOKEN=s3cret-1

cat >"$CONF" <<CONFEOF
# written by test_api_sim.sh
token = $TOKEN
max-body = 1048576
connection-timeout = 2
max-wait = 20
CONFEOF

# daemon_launch [ARGS]: fabricd with this test's config; URL once it listens.
daemon_launch() {
    fabd_launch "$LOG" "$FABRICD" -c "$CONF" --port 0 --socket "$SOCK" --state-dir "$STATE" \
        --sweep-interval-ms 1000 --poll-interval-ms 500 "$@"
    URL=${FABD_URL%/}
    export FABRICD_HOST=${URL#http://} FABRICD_TOKEN=$TOKEN
}

# daemon_start [ARGS]: daemon_launch, then wait for /healthz to say ok.
daemon_start() {
    daemon_launch "$@"
    fabd_wait_health ok 30
}

# daemon_stop: SIGTERM; fabricd must exit 0 (ASan's leak check included).
daemon_stop() {
    fabd_stop || { cat "$LOG" >&2; sim_fail "fabricd exited with $? after SIGTERM"; }
    [ ! -e "$SOCK" ] || sim_fail "the Unix socket is left behind"
}
trap 'fabd_stop || true; sim_cleanup' EXIT

ctl() { "$FABRICTL" "$@"; }
api() { curl -sS -H "Authorization: Bearer $TOKEN" "$@"; }
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
sweeps() { api "$URL/healthz" | jq .sweeps; }
up_metric() { api "$URL/metrics" | sed -n 's/^fabricd_up //p'; }
sim_id() { sim_node_id "$NET" "$1"; }
# wait_event TYPE: long-polls from CURSOR until an event of TYPE comes.
wait_event() {
    local deadline=$((SECONDS + 30)) doc
    while [ "$SECONDS" -lt "$deadline" ]; do
        doc=$(api "$URL/api/v1/events?since=$CURSOR&wait=5")
        CURSOR=$(jq .latest <<<"$doc")
        EVENT=$(jq -c --arg t "$1" '[.events[] | select(.type == $t)][0] // empty' <<<"$doc")
        [ -z "$EVENT" ] || return 0
    done
    sim_fail "no $1 event in 30 s"
}

sim_start "$NET"

# ---- Health before the first snapshot: no simulator answers on this
# socket name, so every discovery hangs until its timeout.
IBSIM_SOCKNAME=fabd-nobody-$$ daemon_launch --discover-timeout-ms 1000
FABD_HEALTH=$(curl -s -w '\n%{http_code}' "$URL/healthz")
if [ "$(tail -1 <<<"$FABD_HEALTH")" != 503 ] || [ "$(head -1 <<<"$FABD_HEALTH" | jq -r .status)" != starting ]; then
    sim_fail "before the first snapshot /healthz says $FABD_HEALTH"
fi
[ "$(code -H "Authorization: Bearer $TOKEN" "$URL/api/v1/topology")" = 503 ] ||
    sim_fail "topology before the first snapshot: expected 503"
[ "$(up_metric)" = 0 ] || sim_fail "starting: fabricd_up is not 0"
fabd_wait_health failing 30
[ "$(tail -1 <<<"$FABD_HEALTH")" = 503 ] || sim_fail "failing: expected 503, got $FABD_HEALTH"
[ "$(up_metric)" = 0 ] || sim_fail "failing: fabricd_up is not 0"
head -1 <<<"$FABD_HEALTH" | jq -e '(.last_error | test("did not finish in 1000 ms")) and
    .last_error_age_s >= 0 and .failures_in_row >= 3 and .snapshot_age_s == null' >/dev/null ||
    sim_fail "failing health lacks the error and its age: $FABD_HEALTH"
daemon_stop
rm -rf "$STATE"
echo "ok: /healthz starting (503) before a snapshot, failing (503) with the last error and its age"

# ---- No subnet manager yet: discovery works (directed routes) but no
# switch has a LID, so the forwarding tables cannot be read: degraded with
# the reason; ok once OpenSM has swept.
daemon_launch
fabd_wait_health degraded 30
head -1 <<<"$FABD_HEALTH" | jq -e '.last_sweep_ok and (.last_lft_ok | not) and
    .lft_failures >= 1 and .last_lft_error != ""' >/dev/null ||
    sim_fail "LFTs unreadable, /healthz does not say so: $FABD_HEALTH"
[ "$(tail -1 <<<"$FABD_HEALTH")" = 200 ] || sim_fail "LFTs unreadable: expected 200, got $FABD_HEALTH"
api "$URL/metrics" | grep -x 'fabricd_lft_read_ok 0' >/dev/null || sim_fail "fabricd_lft_read_ok is not 0"
ctl status | grep '^lft error' >/dev/null || sim_fail "fabricctl status does not show the LFT error"
sim_sm_start
fabd_wait_health ok 60
head -1 <<<"$FABD_HEALTH" | jq -e '.last_lft_ok and .last_lft_error == ""' >/dev/null ||
    sim_fail "LFTs read again, /healthz still says: $FABD_HEALTH"
api "$URL/metrics" | grep -x 'fabricd_lft_read_ok 1' >/dev/null || sim_fail "fabricd_lft_read_ok is not 1"
daemon_stop
rm -rf "$STATE"
echo "ok: no SM: degraded (200) with the LFT error; ok once the SM has swept"

daemon_start

# ---- The fabric as the API shows it.
api "$URL/api/v1/topology?format=ibnetdiscover" >"$SIM_WORK/api.net"
"$FABTOPO" diff "$NET" "$SIM_WORK/api.net" >&2 || sim_fail "the API's topology differs from the netfile"
api "$URL/api/v1/topology" | jq -e '.' >/dev/null || sim_fail "topology JSON"
api "$URL/api/v1/topology?format=graphml" | grep '<graphml' >/dev/null || sim_fail "topology GraphML"
api "$URL/api/v1/topology?format=dot" | grep 'graph' >/dev/null || sim_fail "topology DOT"
[ "$(api "$URL/api/v1/nodes" | jq '.nodes | length')" = 22 ] || sim_fail "nodes: expected 22"
[ "$(ctl --json diff "$NET" | jq .equal)" = true ] || sim_fail "diff with the netfile not equal"
ctl status | grep 'fat-tree-2, 16 hosts' >/dev/null || sim_fail "fabricctl status"
echo "ok: topology (4 formats) equals the netfile, status, nodes"

ctl trace node001 node016 | awk 'NR > 1 && $1 ~ /^[0-9]+$/ {
    d = $0; sub(/^ *[^ ]+ +[^ ]+ +[^ ]+ +[^ ]+ +[^ ]+ +[^ ]+  /, "", d); print d, $5, $6 }' \
    >"$SIM_WORK/trace.ours"
slid=$(api "$URL/api/v1/nodes" | jq '.nodes[] | select(.host == "node001") | .lid')
dlid=$(api "$URL/api/v1/nodes" | jq '.nodes[] | select(.host == "node016") | .lid')
sim_ibtracert_hops "$slid" "$dlid" >"$SIM_WORK/trace.ibtracert"
diff "$SIM_WORK/trace.ours" "$SIM_WORK/trace.ibtracert" >&2 ||
    sim_fail "trace node001 -> node016 differs from ibtracert $slid $dlid"
echo "ok: trace equals ibtracert ($(wc -l <"$SIM_WORK/trace.ours") hops)"

# ---- Access.
[ "$(code "$URL/api/v1/status")" = 401 ] || sim_fail "no token: expected 401"
[ "$(code -H 'Authorization: Bearer wrong' "$URL/api/v1/status")" = 401 ] || sim_fail "wrong token"
[ "$(code "$URL/healthz")" = 200 ] || sim_fail "healthz needs no token"
[ "$(code --unix-socket "$SOCK" http://x/api/v1/status)" = 200 ] || sim_fail "Unix socket"
FABRICD_SOCKET=$SOCK FABRICD_TOKEN= ctl status >/dev/null || sim_fail "fabricctl on the Unix socket"
echo "ok: token asked on TCP (401), not on the Unix socket"

# ---- Unlink / ReLink a spine link.
CURSOR=$(api "$URL/api/v1/events" | jq .latest)
LEAF1=$(sim_id leaf01)
t0=$(date +%s.%N)
sim_console "Unlink \"$LEAF1\"[5]"
wait_event link_down
# Within two sweeps of 1 s, with 1 s of slack for a loaded machine.
took=$(jq --argjson t0 "$t0" '.time - $t0' <<<"$EVENT")
awk -v t="$took" 'BEGIN { exit !(t <= 3.0) }' || sim_fail "link_down took $took s (sweeps every 1 s)"
ctl --json links --down | jq -e '.links[] | select(.state == "down") |
    select((.a.desc == "leaf01" and .a.port == 5) or (.b.desc == "leaf01" and .b.port == 5))' \
    >/dev/null || sim_fail "leaf01[5] not listed down"
ctl --json diff "$NET" | jq -e '.links[] | select(.kind == "missing")' >/dev/null ||
    sim_fail "diff does not find the removed link"
ctl diff "$NET" | grep '^missing *link' >/dev/null || sim_fail "fabricctl diff table"
HOSTS="node001 node002 node003 node004 node005 node006 node007 node008"
ctl --json ring $HOSTS >"$SIM_WORK/plan.json" || sim_fail "ring plan after Unlink"
if jq -e '.plan.links[]? | select((.from_desc == "leaf01" and .from_port == 5) or
    (.to_desc == "leaf01" and .to_port == 5))' "$SIM_WORK/plan.json" >/dev/null; then
    sim_fail "the new ring plan loads the unlinked leaf01[5]"
fi
[ "$(ctl ring --hostfile $HOSTS | wc -l)" = 8 ] || sim_fail "ring as a hostfile"
# Both ends of the missing link read 0 (the ports have no peer now).
LEAF1_UP='^infiniband_port_link_up{guid="[^"]*",port="5",type="switch",name="leaf01"}'
api "$URL/metrics" >"$SIM_WORK/metrics.down"
grep -q "$LEAF1_UP 0\$" "$SIM_WORK/metrics.down" || sim_fail "/metrics: leaf01[5] link_up not 0"
[ "$(grep -c '^infiniband_port_link_up{.* 0$' "$SIM_WORK/metrics.down")" = 2 ] ||
    sim_fail "/metrics: not exactly the 2 ends of the missing link at link_up 0"
echo "ok: link_down after $took s (sweeps every 1 s), listed down, diff finds it, new plan avoids it, /metrics link_up 0"
sim_console "ReLink \"$LEAF1\"[5]"
wait_event link_up
[ "$(api "$URL/metrics" | grep -c "$LEAF1_UP ")" = 1 ] || sim_fail "/metrics: leaf01[5] not once after ReLink"
echo "ok: ReLink: link_up"

# ---- Congestion and /metrics.
SPINE1=$(sim_id spine01)
(
    for i in $(seq 1 60); do
        echo "PerformanceSet \"$SPINE1\"[2] PortCounters.PortXmitWait=$((i * 50000000))"
        sleep 0.25
    done >&"$SIM_CONSOLE_FD"
) &
BUMP=$!
wait_event link_congested
ctl --json links --congested | jq -e '.links[] | select(.a.desc == "spine01" or .b.desc == "spine01")' \
    >/dev/null || sim_fail "spine01[2] not listed congested"
api "$URL/metrics" >"$SIM_WORK/metrics"
kill "$BUMP" 2>/dev/null || true
wait "$BUMP" 2>/dev/null || true
grep -E '^infiniband_port_transmit_wait_total\{guid="[^"]*",port="2",type="switch",name="spine01"\} [1-9]' \
    "$SIM_WORK/metrics" >/dev/null || sim_fail "/metrics lacks spine01[2]'s PortXmitWait"
grep -q '^infiniband_port_transmit_data_bytes_total{' "$SIM_WORK/metrics" || sim_fail "/metrics data"
grep -q '^fabricd_link_congestion{.*name="spine01"} 0\.[0-9]*[1-9]' "$SIM_WORK/metrics" ||
    sim_fail "/metrics congestion gauge"
echo "ok: PortXmitWait -> congested, /metrics shows the counters"

# ---- Robustness.
[ "$(code -X POST -H "Authorization: Bearer $TOKEN" -d '{"hosts": [' "$URL/api/v1/ring")" = 400 ] ||
    sim_fail "malformed JSON: expected 400"
[ "$(code -X POST -H "Authorization: Bearer $TOKEN" -d '{"hosts": ["nope"]}' "$URL/api/v1/ring")" = 404 ] ||
    sim_fail "unknown host: expected 404"
[ "$(code -H "Authorization: Bearer $TOKEN" "$URL/api/v1/nope")" = 404 ] || sim_fail "unknown path"
[ "$(code -X DELETE -H "Authorization: Bearer $TOKEN" "$URL/api/v1/links")" = 405 ] ||
    sim_fail "wrong method: expected 405"
[ "$(code -H "Authorization: Bearer $TOKEN" "$URL/api/v1/links?filter=bogus")" = 400 ] ||
    sim_fail "bad filter"
[ "$(code -H "Authorization: Bearer $TOKEN" "$URL/api/v1/events?wait=abc")" = 400 ] ||
    sim_fail "bad wait"
head -c 2000000 /dev/zero | tr '\0' 'x' >"$SIM_WORK/big"
[ "$(code -X POST -H "Authorization: Bearer $TOKEN" --data-binary @"$SIM_WORK/big" "$URL/api/v1/diff")" = 413 ] ||
    sim_fail "oversized body: expected 413"
c=$(code -X POST -H "Authorization: Bearer $TOKEN" -H 'Transfer-Encoding: chunked' \
    --data-binary @"$SIM_WORK/big" "$URL/api/v1/diff" || true)
[ "$c" != 200 ] || sim_fail "oversized chunked body accepted"
# A client that sends half a request and stalls is dropped after the
# connection timeout (2 s here).
exec {SLOW}<>"/dev/tcp/127.0.0.1/${URL##*:}"
printf 'GET /api/v1/status HTTP/1.1\r\nHost: x\r\n' >&"$SLOW"
sleep 4
timeout 3 cat <&"$SLOW" >/dev/null || sim_fail "a stalled request is still open after 4 s"
exec {SLOW}>&-
before=$(sweeps)
seq 1 200 | xargs -P 200 -I{} sh -c '
    case $(({} % 3)) in 0) p=api/v1/topology ;; 1) p=api/v1/links ;; *) p="api/v1/ring?hosts=node001,node009,node016" ;; esac
    curl -s -o /dev/null -w "%{http_code}\n" -H "Authorization: Bearer $1" "$2/$p"' _ "$TOKEN" "$URL" \
    >"$SIM_WORK/codes"
[ "$(grep -c '^200$' "$SIM_WORK/codes")" = 200 ] || { sort "$SIM_WORK/codes" | uniq -c >&2; sim_fail "200 concurrent clients"; }
sleep 2.5
[ "$(sweeps)" -gt "$before" ] || sim_fail "the daemon stopped sweeping"
echo "ok: bad input answered with JSON errors, oversized/slow requests cut, 200 concurrent clients served, still sweeping"

# ---- SIGHUP reloads the token.
sed -i "s/^token = .*/token = s3cret-2/" "$CONF"
kill -HUP "$FABD_PID"
for ((i = 0; i < 50; i++)); do
    [ "$(code -H 'Authorization: Bearer s3cret-2' "$URL/api/v1/status")" = 200 ] && break
    sleep 0.1
done
[ "$i" -lt 50 ] || sim_fail "SIGHUP did not load the new token"
[ "$(code -H "Authorization: Bearer $TOKEN" "$URL/api/v1/status")" = 401 ] || sim_fail "old token still valid"
sed -i "s/^token = .*/token = $TOKEN/" "$CONF"
echo "ok: SIGHUP reloads the config"

# ---- Restart keeps history.
daemon_stop
daemon_start --discover-timeout-ms 1500
api "$URL/api/v1/events" | jq -e '[.events[].type] | index("link_down") and index("link_up")' \
    >/dev/null || sim_fail "history lost across the restart"
ctl events | grep 'link_down' >/dev/null || sim_fail "fabricctl events"
echo "ok: history kept across a restart"

# ---- The fabric lost: degraded while the last snapshot is served, then
# failing; a stop meanwhile is clean.
sim_vanish
fabd_wait_health degraded 20
[ "$(tail -1 <<<"$FABD_HEALTH")" = 200 ] || sim_fail "degraded: expected 200, got $FABD_HEALTH"
[ "$(api "$URL/api/v1/nodes" | jq '.nodes | length')" = 22 ] || sim_fail "degraded: last snapshot not served"
fabd_wait_health failing 30
head -1 <<<"$FABD_HEALTH" | jq -e '.last_error != "" and .last_error_age_s >= 0 and .snapshot_age_s > 0' \
    >/dev/null || sim_fail "failing health: $FABD_HEALTH"
daemon_stop
echo "ok: simulator gone: degraded (200, last snapshot served), then failing (503); clean stop"

# ---- Probes-only runs no sweeper by design: /healthz 200 and fabricd_up 1
# agree (an alert on fabricd_up == 0 must not fire for it).
daemon_launch --probes-only yes
[ "$(code "$URL/healthz")" = 200 ] || sim_fail "probes-only: /healthz not 200"
[ "$(up_metric)" = 1 ] || sim_fail "probes-only: fabricd_up is not 1 while /healthz says 200"
echo "ok: probes-only: /healthz 200 and fabricd_up 1"

# ---- A stop lets the requests in flight finish: a POST whose body is half
# sent when SIGTERM comes is still answered once the rest arrives; a new
# request meanwhile gets 503.
body='[{"a": "n1", "b": "n2", "kind": "bw", "ok": true, "mb_per_s": 5}]'
port=${URL##*:}
exec {conn}<>"/dev/tcp/127.0.0.1/$port"
printf 'POST /api/v1/probes/results HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n' "$TOKEN" >&"$conn"
printf 'Content-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s' \
    "${#body}" "${body:0:10}" >&"$conn"
sleep 0.3
kill -TERM "$FABD_PID"
sleep 0.3
[ "$(code "$URL/healthz")" = 503 ] || sim_fail "a request while stopping was not answered 503"
printf '%s' "${body:10}" >&"$conn"
reply=$(timeout 10 cat <&"$conn")
exec {conn}>&-
grep -q '^HTTP/1.1 200' <<<"$reply" && grep -q '"accepted": *1' <<<"$reply" ||
    sim_fail "the request in flight at SIGTERM got: $reply"
daemon_stop
echo "ok: SIGTERM: the request in flight answered, a new one 503, then a clean stop"

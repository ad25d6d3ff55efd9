#!/usr/bin/env bash
# fabricd's probe endpoints on loopback, probes-only: three fabprobe agents
# (127.0.0.1-3) register themselves, fabricctl runs a round and reads the
# matrix and the ring, malformed and oversized requests and a missing token
# are refused with the API's JSON errors while the daemon keeps serving,
# and hosts and results survive a restart.
# usage: fabricd-api.sh FABPROBE FABRICD FABRICCTL
set -uo pipefail
fabprobe=$(readlink -f "$1")
fabricd=$(readlink -f "$2")
fabricctl=$(readlink -f "$3")
for tool in jq curl; do
    command -v "$tool" >/dev/null || {
        echo "SKIP: needs $tool (scripts/install-deps.sh)"
        exit 77
    }
done
dir=$(mktemp -d)
port=$((20000 + $$ % 20000))
token=api-test-token
url=http://127.0.0.1:$port
pids=()
fail=0
ok() { echo "ok - $*"; }
not_ok() {
    echo "not ok - $*"
    fail=1
}
# shellcheck disable=SC2317 # called by the trap
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
    wait 2>/dev/null
    rm -rf "$dir"
}
trap cleanup EXIT

# start_fabricd [MODE]: probes-only unless MODE is "sweeping".
start_fabricd() {
    "$fabricd" --probes-only "$([ "${1-}" = sweeping ] && echo no || echo yes)" --listen 127.0.0.1 --port "$port" --socket "" --token "$token" \
        --state-dir "$dir/state" --max-body 65536 --log-level warn 2>>"$dir/fabricd.log" &
    fabricd_pid=$!
    pids+=("$fabricd_pid")
    for _ in $(seq 100); do
        curl -s -o /dev/null "$url/healthz" && return 0
        sleep 0.1
    done
    return 1
}
# api METHOD PATH [BODY]: prints the HTTP status, then the body.
api() {
    curl -s -m 30 -X "$1" -H "Authorization: Bearer $token" ${3+--data-binary "$3"} \
        -w '\n%{http_code}' "$url$2" | tac
}
ctl() { "$fabricctl" -H "127.0.0.1:$port" -t "$token" "$@"; }

start_fabricd || {
    echo "not ok - fabricd did not start: $(cat "$dir/fabricd.log")"
    exit 1
}
for i in 1 2 3; do
    "$fabprobe" serve --listen "127.0.0.$i:$((port + i))" --fabricd "$url" --token "$token" \
        --name "n$i" 2>>"$dir/agents.log" &
    pids+=($!)
done
for _ in $(seq 100); do
    [ "$(api GET /api/v1/hosts | sed 1d | jq '.hosts | length')" = 3 ] && break
    sleep 0.1
done
health=$(curl -s -w ' %{http_code}' "$url/healthz")
if [ "${health##* }" = 200 ] && [ "$(echo "${health% *}" | jq -r .status)" = probes-only ]; then
    ok "/healthz: 200, probes-only"
else
    not_ok "/healthz in probes-only mode: $health"
fi
hosts=$(ctl hosts)
if [ "$(echo "$hosts" | grep -c '^n[123] ')" = 3 ]; then
    ok "three agents registered themselves"
else
    not_ok "fabricctl hosts: $hosts"
fi

round=$(ctl -j probes round --duration 200 --size 16384)
if [ "$(echo "$round" | jq -r .state)" = "done" ] &&
    [ "$(echo "$round" | jq '[.result.matrix_mb_per_s[][] | select(. != null)] | length')" = 6 ]; then
    ok "fabricctl probes round: every pair of the 3 agents measured"
else
    not_ok "probes round: $round"
fi
ring=$(ctl ring --hostfile n1 n2 n3 | sort | tr '\n' ' ')
if [ "$ring" = "n1 n2 n3 " ]; then
    ok "the ring from the matrix holds the 3 hosts"
else
    not_ok "ring: $ring"
fi
measured=$("$fabprobe" bw "127.0.0.2:$((port + 2))" -t 100 -s 4096 --json --fabricd "$url" \
    --token "$token" --name n1 | jq .mb_per_s)
pushed=$?
wrong=$("$fabprobe" bw "127.0.0.3:$((port + 3))" -t 100 --fabricd "$url" --token wrong --name n1 2>&1)
wrong_rc=$?
if [ $pushed = 0 ] && [ $wrong_rc = 1 ] && echo "$wrong" | grep -q "HTTP 401" &&
    [ "$(api GET /api/v1/probes/matrix | sed 1d | jq '.matrix_mb_per_s[0][1]')" = "$measured" ]; then
    ok "fabprobe bw pushes its result ($measured MB/s is n1-n2's figure); a wrong token: said, exit 1"
else
    not_ok "fabprobe's results with (exit $pushed) and without the token (exit $wrong_rc): $wrong"
fi

# Each malformed request: its status and a JSON error, nothing else.
bad() {
    local want=$1 method=$2 path=$3 body=${4-} out
    if [ $# -ge 4 ]; then out=$(api "$method" "$path" "$body"); else out=$(api "$method" "$path"); fi
    if [ "$(echo "$out" | head -1)" = "$want" ] &&
        echo "$out" | sed 1d | jq -e '.error.message | length > 0' >/dev/null; then
        echo "# $want $method $path: $(echo "$out" | sed 1d | jq -r .error.message)"
    else
        not_ok "$method $path ${body:0:60}: expected $want, got $(echo "$out" | tr '\n' ' ')"
    fi
}
bad 400 POST /api/v1/hosts 'not json'
bad 400 POST /api/v1/hosts '["n9"]'
bad 400 POST /api/v1/hosts '{"hostname": "bad name"}'
bad 400 POST /api/v1/hosts '{"hostname": 7}'
bad 400 POST /api/v1/hosts '{"hostname": "n9", "agent": "a,b"}'
bad 400 POST /api/v1/hosts '{"hostname": "n9", "inventory": [1]}'
bad 400 POST /api/v1/hosts '{"hostname": "n9", "surprise": 1}'
bad 404 GET /api/v1/hosts/nosuch
bad 405 POST /api/v1/hosts/n1 '{}'
bad 405 DELETE /api/v1/hosts
bad 400 POST /api/v1/probes/results '{"a": "n1"}'
bad 400 POST /api/v1/probes/results '[{"a": "n1"}]'
bad 400 POST /api/v1/probes/results '[{"a": "n1", "b": "n2", "kind": "bw", "ok": true}]'
bad 400 POST /api/v1/probes/results '[{"a": "n1", "b": "n2", "kind": "bw", "ok": true, "mb_per_s": -1}]'
bad 400 POST /api/v1/probes/results '[{"a": "n1", "b": "n2", "kind": "warp", "ok": true, "mb_per_s": 1}]'
bad 400 POST /api/v1/probes/results '[{"a": "n1", "b": "n2", "kind": "bw", "ok": false}]'
bad 400 POST /api/v1/probes/results '[{"a": "n1", "b": "n1", "kind": "bw", "ok": true, "mb_per_s": 1}]'
bad 400 GET '/api/v1/probes/matrix?kind=lat'
bad 400 POST /api/v1/probes/round '{"kind": "lat"}'
bad 400 POST /api/v1/probes/round '{"size": 0}'
bad 400 POST /api/v1/probes/round '{"duration_ms": 1e9}'
bad 400 POST /api/v1/probes/round '{"hosts": "n1"}'
bad 400 POST /api/v1/probes/round '{"hosts": ["n1", "n1"]}'
bad 400 POST /api/v1/probes/round '{"hosts": ["n1"]}'
bad 404 POST /api/v1/probes/round '{"hosts": ["n1", "nosuch"]}'
bad 400 POST /api/v1/probes/round '{"bogus": 1}'
bad 400 GET /api/v1/probes/round/abc
bad 404 GET /api/v1/probes/round/99
bad 405 GET /api/v1/probes/round
bad 404 GET '/api/v1/ring?hosts=n1,nosuch'
big=$(head -c 70000 /dev/zero | tr '\0' 'x')
bad 413 POST /api/v1/hosts "{\"hostname\": \"n9\", \"agent\": \"$big\"}"
out=$(curl -s -w '\n%{http_code}' "$url/api/v1/probes/matrix" | tail -1)
[ "$out" = 401 ] || not_ok "no token: expected 401, got $out"
if kill -0 "$fabricd_pid" && [ "$(api GET /api/v1/hosts | head -1)" = 200 ]; then
    ok "malformed, oversized and unauthenticated requests refused; fabricd still serves"
else
    not_ok "fabricd after the malformed requests"
fi

# A round of 3 steps of 4 s: SIGTERM stops it after the step in flight.
api POST /api/v1/probes/round '{"duration_ms": 4000}' >/dev/null
sleep 1
start=$SECONDS
kill "$fabricd_pid"
wait "$fabricd_pid" 2>/dev/null
if [ $((SECONDS - start)) -le 8 ]; then
    ok "SIGTERM during a 12 s round: fabricd stopped after $((SECONDS - start)) s"
else
    not_ok "SIGTERM during a 12 s round: fabricd took $((SECONDS - start)) s to stop"
fi
start_fabricd || not_ok "fabricd did not restart"
after=$(api GET /api/v1/probes/matrix | sed 1d)
if [ "$(echo "$after" | jq -c .hosts)" = '["n1","n2","n3"]' ] &&
    [ "$(echo "$after" | jq '[.matrix_mb_per_s[][] | select(. != null)] | length')" = 6 ]; then
    ok "hosts and the matrix survive a restart"
else
    not_ok "after a restart: $after"
fi

# Sweeping, but no fabric to discover here: the probes' ring for hosts they
# know, "no fabric yet" for the others.
kill "$fabricd_pid"
wait "$fabricd_pid" 2>/dev/null
start_fabricd sweeping || not_ok "fabricd did not start sweeping"
known=$(api GET '/api/v1/ring?hosts=n1,n2,n3')
unknown=$(api GET '/api/v1/ring?hosts=n1,node007' | head -1)
if [ "$(echo "$known" | head -1)" = 200 ] &&
    [ "$(echo "$known" | sed 1d | jq -r .source)" = probes ] && [ "$unknown" = 503 ]; then
    ok "no fabric discovered: the probes' ring for their hosts, 503 for others"
else
    not_ok "ring without a fabric: $known / $unknown"
fi

# fabricctl's matrix for a person: numbered columns, a failed pair marked
# (not "?" as never measured), a host with no figure not called a group.
api POST /api/v1/probes/results \
    '[{"a": "n1", "b": "ghost", "kind": "bw", "ok": false, "error": "cannot connect"}]' >/dev/null
matrix=$(ctl probes matrix)
if echo "$matrix" | grep -Eq '^ +HOST +1 +2 +3 +4$' &&
    echo "$matrix" | grep -Eq '^ +1 ghost +- +failed +\? +\?$' &&
    echo "$matrix" | grep -Eq '^ +2 n1 +failed +- +[0-9.]+ +[0-9.]+$' &&
    echo "$matrix" | grep -q '^group [0-9]: ghost (no pair measured)$' &&
    echo "$matrix" | grep -q '^error ghost - n1: cannot connect$'; then
    ok "fabricctl probes matrix: numbered columns, the failed pair marked"
else
    not_ok "fabricctl probes matrix: $matrix"
fi
exit $fail

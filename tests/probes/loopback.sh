#!/usr/bin/env bash
# fabprobe over loopback: TCP bandwidth and latency, a round, and every way
# a probe can fail ending in an error within its timeout, not a hang:
# refused, silent peer, malformed requests (the agent keeps serving).
# usage: loopback.sh FABPROBE
set -uo pipefail
fabprobe=$1
port=$((20000 + RANDOM % 20000))
tmp=$(mktemp -d)
pids=()
# shellcheck disable=SC2317 # called by the trap
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    rm -rf "$tmp"
}
trap cleanup EXIT
fail=0
ok() { echo "ok - $*"; }
not_ok() {
    echo "not ok - $*"
    fail=1
}
json() { /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

"$fabprobe" serve --listen "127.0.0.1:$port" 2>"$tmp/serve.log" &
pids+=($!)
for _ in $(seq 50); do
    "$fabprobe" lat "127.0.0.1:$port" -n 1 >/dev/null 2>&1 && break
    sleep 0.1
done

out=$("$fabprobe" bw "127.0.0.1:$port" -s 131072 -t 500 --json)
if [ "$(echo "$out" | json 'd["ok"] and d["mb_per_s"] > 1')" = True ]; then
    ok "bw: $(echo "$out" | json 'd["mb_per_s"]') MB/s"
else
    not_ok "bw: $out"
fi
out=$("$fabprobe" lat "127.0.0.1:$port" -s 64 -n 500 --json)
if [ "$(echo "$out" | json 'd["ok"] and d["round_trips"] == 500')" = True ]; then
    ok "lat: p50 $(echo "$out" | json 'd["lat_p50_us"]') us"
else
    not_ok "lat: $out"
fi
out=$("$fabprobe" round --hosts "127.0.0.1:$port,127.0.0.1:$port,localhost:$port" -t 200 --json)
if [ "$(echo "$out" | json 'len(d["errors"]) == 0 and d["matrix_mb_per_s"][0][2] > 0')" = True ]; then
    ok "round of 3 (relayed probes): median $(echo "$out" | json 'd["median_mb_per_s"]') MB/s"
else
    not_ok "round: $out"
fi

# A closed port: refused at once.
closed=$((port + 1))
if ! "$fabprobe" bw "127.0.0.1:$closed" -t 100 2>"$tmp/err" && grep -q refused "$tmp/err"; then
    ok "closed port: $(cat "$tmp/err")"
else
    not_ok "closed port: $(cat "$tmp/err")"
fi

# A peer that accepts and says nothing (a wedged agent): the answer times out.
silent=$((port + 2))
/usr/bin/python3 -c "
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', $silent)); s.listen(8); c = s.accept(); time.sleep(60)" &
pids+=($!)
sleep 0.5
start=$SECONDS
if ! timeout 60 "$fabprobe" bw "127.0.0.1:$silent" -t 100 2>"$tmp/err" &&
    grep -q "timed out" "$tmp/err"; then
    ok "silent peer: error after $((SECONDS - start)) s: $(cat "$tmp/err")"
else
    not_ok "silent peer: $(cat "$tmp/err")"
fi

# Malformed requests: garbage, a short request, an HTTP request, a request
# out of range; each is answered with an error, and the agent still serves.
/usr/bin/python3 - "$port" >"$tmp/malformed" <<'PY'
import socket, struct, sys
port = int(sys.argv[1])
def ask(data):
    s = socket.create_connection(("127.0.0.1", port), timeout=15)
    s.sendall(data[:156])  # more would be unread: the close would reset
    s.shutdown(socket.SHUT_WR)
    reply = b""
    while len(reply) < 208:
        chunk = s.recv(208 - len(reply))
        if not chunk:
            break
        reply += chunk
    s.close()
    return reply[48:].split(b"\0")[0].decode()
good = struct.pack(">7I", 0x46505242, 1, 1, 1024, 100, 10, 0) + bytes(128)
cases = {
    "garbage": bytes(range(156)),
    "short": good[:20],
    "http": b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" + bytes(156),
    "size 0": struct.pack(">7I", 0x46505242, 1, 1, 0, 100, 10, 0) + bytes(128),
    "huge size": struct.pack(">7I", 0x46505242, 1, 1, 1 << 30, 100, 10, 0) + bytes(128),
    "kind 77": struct.pack(">7I", 0x46505242, 1, 77, 1024, 100, 10, 0) + bytes(128),
    "relay to nowhere": struct.pack(">7I", 0x46505242, 1, 5, 1024, 100, 10, 1) + bytes(128),
}
for name, data in cases.items():
    print(f"{name}: {ask(data)}")
PY
if [ "$(grep -c 'malformed request' "$tmp/malformed")" = 7 ]; then
    ok "7 malformed requests rejected"
else
    not_ok "malformed requests: $(cat "$tmp/malformed")"
fi
if "$fabprobe" lat "127.0.0.1:$port" -n 10 >/dev/null; then
    ok "agent still serves after malformed requests"
else
    not_ok "agent died"
fi
exit $fail

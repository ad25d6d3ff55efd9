#!/usr/bin/env bash
# fabricd on a simulated fat tree: the fabric manager as an admin sees it.
#
#   scripts/demo-fabricd.sh [KIND] [HOSTS]     (default: ft2 64)
#
# Installs missing Debian packages (as root), builds fabricd, fabricctl and
# fabtopo into build/, generates the fabric, simulates it with ibsim, brings
# it up with a resident OpenSM, starts fabricd on it, prints the fabric
# summary and a ring plan for a sample job, and says where the API, the web
# view and the metrics are. Runs until Ctrl-C (or DEMO_SECONDS, for
# scripts), then stops everything and removes every temporary file.
# PORT (default 8734, else any free one) sets fabricd's TCP port;
# BUILD_DIR (default build/) the build folder.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
kind=${1:-ft2}
hosts=${2:-64}
build=${BUILD_DIR:-$root/build}

step() {
    printf '\n== %s\n' "$*" >&2
}

step "dependencies"
needed="ibsim opensm cmake pkg-config cc curl"
missing=$(for t in $needed; do command -v "$t" >/dev/null || echo "$t"; done)
if [ -n "$missing" ] ||
    ! pkg-config --exists igraph libibnetdisc json-c cmocka libmicrohttpd 2>/dev/null; then
    if [ "$(id -u)" -eq 0 ]; then
        "$root/scripts/install-deps.sh"
    else
        sudo "$root/scripts/install-deps.sh"
    fi
else
    echo "all present" >&2
fi

step "build ($build)"
if ! log=$({ [ -f "$build"/CMakeCache.txt ] || cmake -S "$root" -B "$build"; } 2>&1 &&
    cmake --build "$build" -j "$(nproc)" --target fabricd fabricctl fabtopo 2>&1); then
    echo "$log" >&2
    exit 1
fi
bin=$build/bin

. "$root/tests/sim/simlib.sh"
sim_require
sim_workdir
net=$SIM_WORK/fabric.net
FABD_PID=
stop_all() {
    if [ -n "$FABD_PID" ]; then
        kill -TERM "$FABD_PID" 2>/dev/null || true
        wait "$FABD_PID" 2>/dev/null || true
        FABD_PID=
    fi
    sim_cleanup
}
trap stop_all EXIT
trap 'echo >&2; step "stopping"; exit 0' INT TERM

step "generate: fabtopo gen $kind --hosts $hosts"
"$bin/fabtopo" gen "$kind" --hosts "$hosts" -o "$net"

step "simulate: ibsim + OpenSM (resident: it re-routes after link faults)"
sim_start "$net" $(sim_limits "$net")
sim_sm_start
grep -o '[a-z]* tables configured on all switches' "$SIM_DIR/osm/osm.log" | tail -1 >&2

step "fabricd"
port=${PORT:-8734}
if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    port=0 # taken: any free port
fi
log=$SIM_WORK/fabricd.log
LD_PRELOAD="$SIM_PRELOAD" "$bin/fabricd" --port "$port" --socket "$SIM_WORK/fabricd.sock" \
    --state-dir "$SIM_WORK/state" --master "$net" --sweep-interval-ms 2000 \
    --poll-interval-ms 1000 >"$log" 2>&1 &
FABD_PID=$!
url=
for ((i = 0; i < 300; i++)); do
    url=$(sed -n 's|.*listening on \(http://[^ ]*/\).*|\1|p' "$log")
    [ -n "$url" ] && curl -sf "${url}healthz" >/dev/null && break
    kill -0 "$FABD_PID" 2>/dev/null || { cat "$log" >&2; exit 1; }
    sleep 0.1
done
export FABRICD_HOST=${url#http://}
ctl() { "$bin/fabricctl" "$@"; }

step "fabric summary: fabricctl status"
ctl status

step "links: fabricctl links (first 8)"
ctl links | head -9

job=$(ctl --json topo | awk -F'"' '{ for (i = 1; i < NF; i++) if ($i == "host") print $(i + 2) }' |
    sort -u | awk -v n="$hosts" 'NR % (n >= 16 ? int(n / 8) : 1) == 1' | head -8 | tr '\n' ' ')
step "ring plan for a sample job: fabricctl ring $job"
# shellcheck disable=SC2086
ctl ring $job

cat >&2 <<INFO

== fabricd is running on the simulated fabric
  API         ${url}api/v1/status        (docs/api.md)
  Unix socket $SIM_WORK/fabricd.sock
  web view    ${url}
  metrics     ${url}metrics
  try         FABRICD_HOST=${url#http://} $bin/fabricctl links --congested
              FABRICD_HOST=${url#http://} $bin/fabricctl events --follow
              curl '${url}api/v1/trace?src=node001&dst=node002'
  faults      echo 'Unlink "<switch id>"[port]' > $SIM_DIR/console   (ibsim's console)
  log         $log
Ctrl-C stops fabricd, OpenSM and ibsim and removes $SIM_WORK.
INFO
if [ -n "${DEMO_SECONDS:-}" ]; then
    sleep "$DEMO_SECONDS"
else
    while kill -0 "$FABD_PID" 2>/dev/null; do sleep 1; done
    echo "fabricd exited; its log:" >&2
    tail -20 "$log" >&2
fi

#!/usr/bin/env bash
# fabricd on a simulated fat tree: the fabric manager as an admin sees it.
#
#   scripts/demo-fabricd.sh [--once] [KIND] [HOSTS]     (default: ft2 64)
#
# Installs missing Debian packages (as root), builds fabricd, fabricctl and
# fabtopo into build/, generates the fabric, simulates it with ibsim, brings
# it up with a resident OpenSM, starts fabricd on it, prints the fabric
# summary and a ring plan for a sample job, and says where the API, the web
# view and the metrics are. Runs until Ctrl-C or SIGTERM (or a day), then
# stops fabricd, OpenSM and ibsim and removes every temporary file.
#
# --once: print the same, check that the API answers (status, a ring plan,
# /metrics), then stop; exit 0 only if all of that worked (for tests).
# PORT (default 8734, else any free one) sets fabricd's TCP port;
# BUILD_DIR (default build/) the build folder; DEMO_BIN a folder that
# already holds the three programs (no install, no build).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
once=
if [ "${1:-}" = --once ]; then
    once=1
    shift
fi
kind=${1:-ft2}
hosts=${2:-64}
build=${BUILD_DIR:-$root/build}

step() {
    printf '\n== %s\n' "$*"
}

if [ -n "${DEMO_BIN:-}" ]; then
    bin=$DEMO_BIN
else
    step "dependencies"
    needed="ibsim opensm cmake pkg-config cc curl jq"
    missing=$(for t in $needed; do command -v "$t" >/dev/null || echo "$t"; done)
    if [ -n "$missing" ] ||
        ! pkg-config --exists igraph libibnetdisc json-c cmocka libmicrohttpd 2>/dev/null; then
        if [ "$(id -u)" -eq 0 ]; then
            "$root/scripts/install-deps.sh"
        else
            sudo "$root/scripts/install-deps.sh"
        fi
    else
        echo "all present"
    fi

    step "build ($build)"
    if ! log=$({ [ -f "$build"/CMakeCache.txt ] || cmake -S "$root" -B "$build"; } 2>&1 &&
        cmake --build "$build" -j "$(nproc)" --target fabricd fabricctl fabtopo 2>&1); then
        echo "$log" >&2
        exit 1
    fi
    bin=$build/bin
fi

# The simulator and fabricd live until the demo stops (simlib's default
# bound is 15 minutes), but a day at most, even if this script is killed
# with SIGKILL and cannot stop them.
export SIM_MAX_LIFE=${SIM_MAX_LIFE:-86400}
. "$root/tests/sim/simlib.sh"
. "$root/fabricd/tests/fabdlib.sh"
sim_require curl jq
sim_workdir
net=$SIM_WORK/fabric.net
# Ctrl-C (SIGINT, to the whole foreground group) and SIGTERM (to this
# script) end the same way: the EXIT trap stops fabricd, OpenSM and ibsim.
trap 'fabd_stop || true; sim_cleanup' EXIT
trap 'echo; step "stopping"; exit 0' INT TERM

step "generate: fabtopo gen $kind --hosts $hosts"
"$bin/fabtopo" gen "$kind" --hosts "$hosts" -o "$net"

step "simulate: ibsim + OpenSM (resident: it re-routes after link faults)"
sim_start "$net" $(sim_limits "$net")
sim_sm_start
grep -o '[a-z]* tables configured on all switches' "$SIM_DIR/osm/osm.log" | tail -1

step "fabricd"
port=${PORT:-8734}
if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    port=0 # taken: any free port
fi
fabd_launch "$SIM_WORK/fabricd.log" "$bin/fabricd" --port "$port" \
    --socket "$SIM_WORK/fabricd.sock" --state-dir "$SIM_WORK/state" --master "$net" \
    --sweep-interval-ms 2000 --poll-interval-ms 1000
fabd_wait_health ok 120
url=$FABD_URL
echo "fabricd (pid $(pgrep -P "$FABD_PID")) found the fabric"
export FABRICD_HOST=${url#http://}
FABRICD_HOST=${FABRICD_HOST%/}
ctl() { "$bin/fabricctl" "$@"; }

step "fabric summary: fabricctl status"
ctl status

step "links: fabricctl links (first 8)"
# sed reads to the end: head would close the pipe early and, with pipefail,
# fabricctl's SIGPIPE would end the demo.
ctl links | sed -n 1,9p

job=$(ctl --json topo | jq -r '.nodes[] | .host // empty' | sort -u |
    awk -v n="$hosts" 'NR % (n >= 16 ? int(n / 8) : 1) == 1' | sed -n 1,8p | tr '\n' ' ')
step "ring plan for a sample job: fabricctl ring $job"
# shellcheck disable=SC2086
ctl ring $job

cat <<INFO

== fabricd is running on the simulated fabric
  API         ${url}api/v1/status        (docs/api.md)
  Unix socket $SIM_WORK/fabricd.sock
  web view    ${url}
  metrics     ${url}metrics
  try         FABRICD_HOST=$FABRICD_HOST $bin/fabricctl links --congested
              FABRICD_HOST=$FABRICD_HOST $bin/fabricctl events --follow
              curl '${url}api/v1/trace?src=node001&dst=node002'
  faults      echo 'Unlink "<switch id>"[port]' > $SIM_DIR/console   (ibsim's console)
  log         $SIM_WORK/fabricd.log
INFO

if [ -n "$once" ]; then
    step "--once: checking the API"
    curl -sf "${url}api/v1/status" | jq -e --argjson h "$hosts" '.fabric.hosts == $h' >/dev/null ||
        { echo "status does not show $hosts hosts" >&2; exit 1; }
    # shellcheck disable=SC2086
    [ "$(ctl ring --hostfile $job | wc -l)" -eq "$(wc -w <<<"$job")" ] ||
        { echo "the ring plan does not hold every host of the job" >&2; exit 1; }
    grep -q '^infiniband_port_link_up{' <<<"$(curl -sf "${url}metrics")" ||
        { echo "/metrics has no port samples" >&2; exit 1; }
    echo "API answers: status ($hosts hosts), ring ($(wc -w <<<"$job") hosts), metrics"
    exit 0
fi
echo "Ctrl-C stops fabricd, OpenSM and ibsim and removes $SIM_WORK."
while kill -0 "$FABD_PID" 2>/dev/null; do sleep 1; done
echo "fabricd exited; its log:" >&2
tail -20 "$SIM_WORK/fabricd.log" >&2
exit 1

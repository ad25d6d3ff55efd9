#!/usr/bin/env bash
# Issue 9's acceptance in network namespaces (DESIGN 4.3), through fabricd:
# 8 hosts on two leaf bridges joined by one tbf-limited link, host names
# alternating between the leaves, fabricd in probes-only mode and an agent
# per host registered with it. A round fabricd schedules must find exactly
# the 16 cross-leaf pairs slow and the two leaves as groups without being
# told the topology; fabricd's ring for the 8 hosts must cross the slow link
# twice, and fcoll-perf allreduce over TCP in that order must beat
# host-name order by at least MIN_RATIO (the link runs at RATE, some 100
# times below what a bridge moves here, so the expected ratio is about 4).
# Then a host whose agent is killed and one whose agent port an nft rule
# drops end in errors in the round's report, in bounded time.
# usage: netns-fabricd.sh FABPROBE FABRICD FABRICCTL FCOLL_PERF [RATE [MIN_RATIO]]
# Skips (77) without root, network namespaces, jq or nft.
set -uo pipefail
fabprobe=$(readlink -f "$1")
FP_FABRICD=$(readlink -f "$2")
fabricctl=$(readlink -f "$3")
perf=$(readlink -f "$4")
rate=${5:-50mbit}
min_ratio=${6:-2}
here=$(dirname "$(readlink -f "$0")")
# shellcheck source=tests/probes/netns-lib.sh
. "$here/netns-lib.sh"
for tool in jq nft curl; do
    command -v "$tool" >/dev/null || {
        echo "SKIP: needs $tool (scripts/install-deps.sh)"
        exit 77
    }
done
p=fpf$$
FP_STATE=$(mktemp -d)
export FP_FABRICD FP_STATE
fail=0
ok() { echo "ok - $*"; }
not_ok() {
    echo "not ok - $*"
    fail=1
}
trap 'fp_fabric_down $p; rm -rf "$FP_STATE"' EXIT
fp_fabric_up "$p" "$rate" "$fabprobe" || exit $?
ctl() { ip netns exec "$p-h1" "$fabricctl" -H 10.88.0.1:18700 -t "$FP_TOKEN" "$@"; }

if fp_wait_hosts "$p" 8; then
    ok "8 agents registered with fabricd"
else
    not_ok "agents registered: $(fp_api "$p" GET /api/v1/hosts)"
    exit 1
fi

start=$SECONDS
round=$(ctl -j probes round --size 65536 --duration 1000)
echo "$round" | jq -r '.result | "# slow below \(.slow_below_mb_per_s) MB/s", (.hosts as $h |
    .matrix_mb_per_s | to_entries[] | "# \($h[.key]) " + (.value | map(if . == null then
    "      -" else (. * 10 | round / 10 | tostring) end) | join(" ")))'
want_slow=$(for i in $(seq 1 8); do for j in $(seq $((i + 1)) 8); do
    [ $((i % 2)) != $((j % 2)) ] && echo "h$i-h$j"; done; done | sort | tr '\n' ' ')
# pairs NAME-NAME with the lower host number first
pairs() { jq -r "$1"' | [.a, .b] | sort_by(ltrimstr("h") | tonumber) | join("-")' | sort | tr '\n' ' '; }
got_slow=$(echo "$round" | pairs '.result.slow_pairs[]')
groups=$(echo "$round" | jq -c '[.result.groups[] | sort] | sort')
if [ "$(echo "$round" | jq -r .state)" = "done" ] && [ "$got_slow" = "$want_slow" ] &&
    [ "$(echo "$round" | jq '.result.errors | length')" = 0 ] &&
    [ "$groups" = '[["h1","h3","h5","h7"],["h2","h4","h6","h8"]]' ] &&
    [ "$(echo "$round" | jq '.result.bottlenecks | length')" = 1 ]; then
    ok "round in $((SECONDS - start)) s: the 16 cross-leaf pairs slow, groups $groups, one bottleneck"
else
    not_ok "round: slow [$got_slow], groups $groups; want slow [$want_slow]: $round"
fi
if ctl events | grep -q "probe_round_done.*probe round 1 done: 8 hosts, 28 pairs, 16 slow, 0 failed"; then
    ok "event probe_round_done"
else
    not_ok "no probe_round_done event: $(ctl events)"
fi

mapfile -t ring < <(ctl ring --hostfile h1 h2 h3 h4 h5 h6 h7 h8)
crossings=0
for i in $(seq 0 7); do
    a=${ring[$i]#h} b=${ring[$(((i + 1) % 8))]#h}
    [ $((a % 2)) != $((b % 2)) ] && crossings=$((crossings + 1))
done
if [ "${#ring[@]}" = 8 ] && [ $crossings = 2 ]; then
    ok "fabricd's ring ${ring[*]} crosses the slow link twice (host-name order: 8 times)"
else
    not_ok "fabricd's ring '${ring[*]}' crosses the slow link $crossings times"
fi

order=$(fp_ranks "${ring[@]}")
names=$(fp_busbw "$p" "$perf" 1M 0,1,2,3,4,5,6,7 "$FP_STATE")
planned=$(fp_busbw "$p" "$perf" 1M "$order" "$FP_STATE")
ratio=$(awk -v a="$planned" -v b="$names" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
echo "# allreduce 1 MiB, 8 ranks over TCP, link $rate: busbw host-name order $(awk -v v="$names" \
    'BEGIN { printf "%.2f", v * 1000 }') MB/s, fabricd ring $(awk -v v="$planned" \
    'BEGIN { printf "%.2f", v * 1000 }') MB/s, ratio $ratio"
if awk -v r="$ratio" -v m="$min_ratio" 'BEGIN { exit !(r >= m) }'; then
    ok "fabricd's ring order is $ratio x host-name order's busbw (at least $min_ratio)"
else
    not_ok "fabricd's ring order is $ratio x host-name order's busbw (want at least $min_ratio)"
fi

# h5's agent is gone; h6 drops every packet to its agent's port.
ip netns pids "$p-h5" | xargs -r kill
ip netns exec "$p-h6" nft add table inet fp
ip netns exec "$p-h6" nft add chain inet fp input '{ type filter hook input priority 0; }'
ip netns exec "$p-h6" nft add rule inet fp input tcp dport 18515 drop
start=$SECONDS
round=$(timeout 150 ip netns exec "$p-h1" "$fabricctl" -H 10.88.0.1:18700 -t "$FP_TOKEN" -j \
    probes round --duration 300)
took=$((SECONDS - start))
bad=$(echo "$round" | pairs '.result.errors[]')
want_bad=$(for i in $(seq 1 8); do for j in $(seq $((i + 1)) 8); do
    case " $i $j " in *" 5 "* | *" 6 "*) echo "h$i-h$j" ;; esac; done; done | sort | tr '\n' ' ')
echo "$round" | jq -r '.result.errors[] | "# error \(.a) - \(.b): \(.error)"' | sort -u | head -4
if [ "$bad" = "$want_bad" ] && [ "$(echo "$round" | jq '[.result.matrix_mb_per_s[][] |
    select(. != null)] | length')" = 30 ]; then
    ok "killed and firewalled agents: their 13 pairs end in errors after $took s, 15 pairs measured"
else
    not_ok "after $took s, failed pairs [$bad], want [$want_bad]: $round"
fi
exit $fail

#!/usr/bin/env bash
# Side-by-side allreduce benchmark, all in one run on this machine:
#   fcoll over shm and over tcp (loopback)      fcoll-perf under fcoll-run
#   fcoll over shm, -R 1: buffers from fcoll_mem_alloc (like nccl-tests -R)
#   OpenMPI 4.1, pml ob1, btl self,vader / self,tcp on lo    fcoll-peer-mpi
#   Gloo TCP, ring and halving-doubling         fcoll-peer-gloo
# at 8 B, 64 KiB, 1 MiB, 16 MiB and 256 MiB with 2 and 4 ranks, float32 sum,
# plus the bounds measured in the same run: memcpy bandwidth (as many
# threads as ranks) and iperf3 over loopback. Prints busbw (GB/s, nccl-tests'
# definition 2(n-1)/n * size / time; 8 B rows are latency in us) and ratios.
# Every figure is the median of several runs, and the runs are interleaved:
# each round runs every configuration once, so that a burst of other load
# on the machine hits all columns alike rather than one.
#
# usage: scripts/bench-collectives.sh [-q] [-B BUILD_DIR]
#   -q  quick: fewer iterations (a smoke run, noisier figures)
#   -B  use an existing build (default: configure and build build-bench,
#       Release, collectives only)
# Raw output of every run is kept in BUILD_DIR/bench-logs/.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build-bench
quick=0
while getopts "qB:" opt; do
    case $opt in
    q) quick=1 ;;
    B) build=$(cd "$OPTARG" && pwd) ;;
    *) sed -n '2,20p' "$0" >&2; exit 2 ;;
    esac
done

if [ "$build" = "$root/build-bench" ]; then
    # Only the benchmark's own targets are built; the peers exist only where
    # OpenMPI and Gloo were found.
    cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null &&
        cmake --build "$build" -j "$(nproc)" --target fcoll-perf fcoll-run fcoll-memcpy-bw >/dev/null ||
        { echo "build failed" >&2; exit 1; }
    for peer in fcoll-peer-mpi fcoll-peer-gloo; do
        cmake --build "$build" -j "$(nproc)" --target "$peer" >/dev/null 2>&1 ||
            echo "# $peer not built (OpenMPI or Gloo missing): its columns read n/a"
    done
fi
bin=$build/bin
logs=$build/bench-logs
mkdir -p "$logs"
rm -f "$logs"/*.log
gloo_store=$(mktemp -d)
trap 'rm -rf "$gloo_store"' EXIT

sizes=(8 65536 1048576 16777216 268435456)
ranks=(2 4)
# Iterations per size: enough to take about as long at every size.
iters() {
    local n
    case $1 in
    8) n=2000 ;; 65536) n=300 ;; 1048576) n=60 ;; 16777216) n=10 ;; *) n=3 ;;
    esac
    [ "$quick" = 1 ] && n=$(((n + 9) / 10))
    echo "$n"
}
warmups() { local w=$(($(iters "$1") / 10)); echo $((w < 1 ? 1 : w)); }
# Runs per configuration and size (the median is reported): small sizes
# swing most with the scheduling of ranks that outnumber the cores; one
# 256 MiB run of every configuration already takes minutes.
rounds() {
    local r
    case $1 in
    8 | 65536) r=5 ;; 268435456) r=1 ;; *) r=3 ;;
    esac
    [ "$quick" = 1 ] && r=1
    echo "$r"
}

as_root=()
[ "$(id -u)" -eq 0 ] && as_root=(--allow-run-as-root)
mpirun_cmd() { # BTL NP
    local extra=()
    [ "$1" = tcp ] && extra=(--mca btl_tcp_if_include lo)
    echo mpirun "${as_root[@]}" --oversubscribe --bind-to none -np "$2" --mca pml ob1 \
        --mca btl "self,$1" "${extra[@]}"
}

# Runs one configuration at one size; prints "time_us busbw_GBps wrong", or
# "n/a" (peer not built) or "fail".
measure() { # CONFIG NP SIZE ROUND
    local cfg=$1 np=$2 size=$3 n w log cmd
    n=$(iters "$size")
    w=$(warmups "$size")
    log=$logs/$cfg-np$np-$size-r$4.log
    local args=(-b "$size" -e "$size" -n "$n" -w "$w")
    case $cfg in
    fcoll-shm) cmd=("$bin/fcoll-run" -n "$np" env FCOLL_TRANSPORT=shm "$bin/fcoll-perf" allreduce "${args[@]}" -c 1) ;;
    fcoll-shm-R) cmd=("$bin/fcoll-run" -n "$np" env FCOLL_TRANSPORT=shm "$bin/fcoll-perf" allreduce "${args[@]}" -c 1 -R 1) ;;
    fcoll-tcp) cmd=("$bin/fcoll-run" -n "$np" env FCOLL_TRANSPORT=tcp FCOLL_SOCKET_IFNAME==lo "$bin/fcoll-perf" allreduce "${args[@]}" -c 1) ;;
    mpi-vader) cmd=($(mpirun_cmd vader "$np") "$bin/fcoll-peer-mpi" "${args[@]}") ;;
    mpi-tcp) cmd=($(mpirun_cmd tcp "$np") "$bin/fcoll-peer-mpi" "${args[@]}") ;;
    gloo-ring | gloo-hd)
        # Gloo's FileStore never removes its keys: a fresh directory per run,
        # or a reused port would meet the last run's keys.
        cmd=("$bin/fcoll-run" -n "$np" env GLOO_STORE_DIR="$gloo_store/$cfg-$np-$size-r$4"
            "$bin/fcoll-peer-gloo" -a "${cfg#gloo-}" "${args[@]}")
        mkdir -p "$gloo_store/$cfg-$np-$size-r$4"
        ;;
    esac
    case $cfg in
    mpi-*) [ -x "$bin/fcoll-peer-mpi" ] || { echo n/a; return; } ;;
    gloo-*) [ -x "$bin/fcoll-peer-gloo" ] || { echo n/a; return; } ;;
    esac
    echo "# ${cmd[*]}" >"$log"
    if ! timeout 600 "${cmd[@]}" >>"$log" 2>&1; then
        echo fail
        return
    fi
    # First data row: time is column 6, busbw 8, #wrong 9 (out-of-place
    # for fcoll-perf and MPI; Gloo's algorithms work in place).
    awk '!/^#/ && NF >= 9 && $1 ~ /^[0-9]+$/ { print $6, $8, $9; exit }' "$log"
}

# ---- bounds ----
echo "# bench-collectives: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores," \
    "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), kernel $(uname -r)"
echo "# peers: $(mpirun --version 2>/dev/null | head -n1 || echo 'no OpenMPI')," \
    "gloo $(dpkg-query -W -f='${Version}' libgloo-dev 2>/dev/null || echo 'not installed')"
echo "# load average at start: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews every figure)"
[ "$quick" = 1 ] && echo "# quick mode (-q): few iterations, figures are noisy"
echo
echo "== bounds =="
declare -A memcpy_bw
# The bound is what the machine can do: the best of three tries, so that a
# moment of other load does not lower it.
for np in "${ranks[@]}"; do
    memcpy_bw[$np]=$(for try in 1 2 3; do "$bin/fcoll-memcpy-bw" -s 256M -n 5 -t "$np"; done |
        awk '{ for (i = 1; i < NF; i++) if ($(i + 1) == "GB/s" && $(i + 2) == "per" && $i > best) best = $i }
             END { print best }')
    echo "memcpy 256 MiB, $np threads at once: ${memcpy_bw[$np]} GB/s per thread (best of 3)"
done
iperf=n/a
if command -v iperf3 >/dev/null; then
    port=$((20000 + RANDOM % 20000))
    iperf3 -s -1 -p "$port" >/dev/null 2>&1 &
    server=$!
    sleep 0.5
    iperf=$(iperf3 -c 127.0.0.1 -p "$port" -t 3 -f g 2>/dev/null |
        awk '/receiver/ { for (i = 1; i < NF; i++) if ($(i + 1) == "Gbits/sec") printf "%.2f", $i / 8 }')
    wait "$server" 2>/dev/null
fi
echo "iperf3 loopback, 1 TCP stream: ${iperf:-n/a} GB/s"

# ---- runs ----
# Median of the runs that gave a figure (a failed run does not count
# against a configuration; the report lists them); "fail" if none did,
# "n/a" if the peer was not built.
median() {
    local v ok=()
    for v in "$@"; do
        [ "$v" = n/a ] && { echo n/a; return; }
        [[ $v =~ ^[0-9.]+$ ]] && ok+=("$v")
    done
    [ ${#ok[@]} -eq 0 ] && { echo fail; return; }
    printf '%s\n' "${ok[@]}" | sort -g |
        awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.3g\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
configs=(fcoll-shm fcoll-shm-R mpi-vader fcoll-tcp mpi-tcp gloo-ring gloo-hd)
declare -A time busbw wrong failed
for np in "${ranks[@]}"; do
    for size in "${sizes[@]}"; do
        declare -A ts=() bs=()
        for ((round = 1; round <= $(rounds "$size"); round++)); do
            for cfg in "${configs[@]}"; do
                read -r t b x <<<"$(measure "$cfg" "$np" "$size" "$round")"
                # Progress on stderr: a full run takes minutes.
                printf '\r%-78s' "ran $cfg, $np ranks, $size B, round $round: ${t} us ${b:-} GB/s" >&2
                [ "$t" = fail ] && failed[$cfg,$np,$size]=$((${failed[$cfg,$np,$size]:-0} + 1))
                ts[$cfg]+=" $t"
                bs[$cfg]+=" ${b:-$t}"
                # Wrong results in any run count.
                if [[ ${x:-} =~ ^[0-9]+$ ]] && [ "$x" != 0 ]; then wrong[$cfg,$np,$size]=$x; fi
                : "${wrong[$cfg,$np,$size]:=${x:-}}"
            done
        done
        for cfg in "${configs[@]}"; do
            # shellcheck disable=SC2086 # the lists are words on purpose
            time[$cfg,$np,$size]=$(median ${ts[$cfg]})
            # shellcheck disable=SC2086
            busbw[$cfg,$np,$size]=$(median ${bs[$cfg]})
        done
    done
done

printf '\r%-70s\r' '' >&2

# ---- report ----
num() { [[ $1 =~ ^[0-9.]+$ ]]; }
# Best peer of a transport: highest busbw, or lowest time for latency.
best() { # latency(0/1) VALUES...
    local lat=$1 best="" v
    shift
    for v in "$@"; do
        num "$v" || continue
        if [ -z "$best" ] || awk -v a="$v" -v b="$best" -v l="$lat" 'BEGIN { exit !(l ? a < b : a > b) }'; then
            best=$v
        fi
    done
    echo "${best:-n/a}"
}
ratio() { # A B -> A/B
    if num "$1" && num "$2" && awk -v b="$2" 'BEGIN { exit !(b > 0) }'; then
        awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'
    else
        echo n/a
    fi
}
human() {
    case $1 in
    8) echo "8 B" ;; 65536) echo "64 KiB" ;; 1048576) echo "1 MiB" ;;
    16777216) echo "16 MiB" ;; 268435456) echo "256 MiB" ;;
    esac
}

echo
echo "== allreduce, float32 sum: busbw in GB/s (8 B rows: time in us) =="
echo "each figure: median of interleaved runs, for every column alike: $(for z in "${sizes[@]}"; do printf '%s %s, ' "$(rounds "$z")" "$(human "$z")"; done | sed 's/, $//')"
echo "ratio = fcoll / best peer on the same transport (8 B: best peer time / fcoll time);"
echo ">= 1.00 meets the target. 'fail' = the run failed; see $logs."
echo "shm -R 1 = fcoll -R 1 (library-allocated buffers, like nccl-tests -R); ratio-R its ratio."
printf "%-5s %-8s | %9s %9s %9s %6s %7s | %9s %9s %9s %9s %6s\n" ranks size fcoll-shm "shm -R 1" \
    mpi-vader ratio ratio-R fcoll-tcp mpi-tcp gloo-ring gloo-hd ratio
bad_data=0
for np in "${ranks[@]}"; do
    for size in "${sizes[@]}"; do
        declare -A v=()
        for cfg in "${configs[@]}"; do
            if [ "$size" = 8 ]; then v[$cfg]=${time[$cfg,$np,$size]}; else v[$cfg]=${busbw[$cfg,$np,$size]:-${time[$cfg,$np,$size]}}; fi
            w=${wrong[$cfg,$np,$size]}
            if num "$w" && [ "$w" != 0 ]; then
                v[$cfg]="WRONG"
                bad_data=1
            fi
        done
        lat=0
        [ "$size" = 8 ] && lat=1
        shm_best=${v[mpi-vader]}
        tcp_best=$(best "$lat" "${v[mpi-tcp]}" "${v[gloo-ring]}" "${v[gloo-hd]}")
        if [ "$lat" = 1 ]; then
            shm_ratio=$(ratio "$shm_best" "${v[fcoll-shm]}")
            shm_r_ratio=$(ratio "$shm_best" "${v[fcoll-shm-R]}")
            tcp_ratio=$(ratio "$tcp_best" "${v[fcoll-tcp]}")
        else
            shm_ratio=$(ratio "${v[fcoll-shm]}" "$shm_best")
            shm_r_ratio=$(ratio "${v[fcoll-shm-R]}" "$shm_best")
            tcp_ratio=$(ratio "${v[fcoll-tcp]}" "$tcp_best")
        fi
        printf "%-5s %-8s | %9s %9s %9s %6s %7s | %9s %9s %9s %9s %6s\n" "$np" "$(human "$size")" \
            "${v[fcoll-shm]}" "${v[fcoll-shm-R]}" "${v[mpi-vader]}" "$shm_ratio" "$shm_r_ratio" \
            "${v[fcoll-tcp]}" "${v[mpi-tcp]}" \
            "${v[gloo-ring]}" "${v[gloo-hd]}" "$tcp_ratio"
    done
done

for key in "${!failed[@]}"; do
    IFS=, read -r cfg np size <<<"$key"
    echo "note: $cfg, $np ranks, $(human "$size"): ${failed[$key]} of $(rounds "$size") runs failed" \
        "(the figure is the median of the others; logs in $logs)"
done

echo
echo "== against the bounds (256 MiB) =="
# Why memcpy is the bound, and what it leaves out: printed with the figures
# so that nobody reads the ratio as more than it is.
cat <<'TXT'
# memcpy bound: each of T threads copies its own 256 MiB at the same time
# (T = ranks); the figure is bytes / time per thread. An allreduce of S
# bytes has busbw 2(n-1)/n * S / t, and the least memory traffic a rank
# needs is one read of S (its block of every rank's input) and one write of
# S (its reduced block into every rank's output): the traffic of a memcpy
# of S. So busbw = memcpy is the ceiling, reachable only where ranks
# address each other's buffers. In the plain fcoll-shm rows the buffers are
# malloc memory: shm crosses between processes with process_vm_readv/writev,
# the same bytes but copied by the kernel page by page through a cache-sized
# bounce buffer, so it stays below this ceiling. In the -R 1 rows (fcoll -R 1,
# library-allocated buffers, like nccl-tests -R) the buffers come from
# fcoll_mem_alloc: each rank maps its peers' buffers and reduces from and
# stores into them directly, a memcpy's traffic. With 4 ranks on 2 cores
# both the copy and the collective share the cores.
TXT
for np in "${ranks[@]}"; do
    s=${busbw[fcoll-shm,$np,268435456]}
    r=${busbw[fcoll-shm-R,$np,268435456]}
    t=${busbw[fcoll-tcp,$np,268435456]}
    echo "$np ranks: fcoll-shm busbw ${s:-fail} GB/s = $(ratio "$s" "${memcpy_bw[$np]}") x memcpy per thread" \
        "(target >= 0.80); fcoll-tcp busbw ${t:-fail} GB/s = $(ratio "$t" "$iperf") x iperf3 loopback"
    echo "$np ranks: fcoll -R 1 (library-allocated buffers, like nccl-tests -R) busbw ${r:-fail} GB/s" \
        "= $(ratio "$r" "${memcpy_bw[$np]}") x memcpy per thread (target >= 0.80)"
done
echo "# load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
exit "$bad_data"

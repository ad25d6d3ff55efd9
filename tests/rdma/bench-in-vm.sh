#!/usr/bin/env bash
# Runs inside the RDMA VM: the ib transport's bandwidth against its bounds,
# all in one boot, on the same rxe device, 2 ranks, sizes FM_BENCH_SIZES
# (default 1, 4, 16 and 64 MiB):
#  - ib_write_bw (perftest) one way: the bound the ratios use (issue #6);
#  - ib_write_bw -b, both ways at once, shown per direction: what the VM
#    moves when both directions are busy, as an allreduce keeps them;
#  - fcoll-perf sendrecv and allreduce (out of place and in place) over ib;
#    allreduce for every QP count in FM_BENCH_QPS (default 1), and with
#    zero-copy puts off when FM_BENCH_STAGED=1;
#  - fcoll-ib-cpu-bw: memcpy and libfcoll's float sum kernel alone, from
#    which the allreduce ceiling that the VM's CPU sets is printed;
#  - OpenMPI over UCX on rxe0 (fcoll-peer-mpi, pml ucx), once, where it runs.
# Method, the same for every column: each size moves FM_BENCH_BYTES (default
# 32 MiB) per measurement, at least 5 iterations, the same count for
# ib_write_bw and fcoll-perf (which also warms up once, untimed). One round
# measures every column at one size before the next size; FM_BENCH_ROUNDS
# rounds (default 3) repeat it. Each column's median over the rounds is
# printed with its spread (min-max), and ratios are taken from medians.
#   scripts/bench-rdma.sh [BUILD_DIR]            (from the host)
#   tests/rdma/bench-in-vm.sh BUILD_DIR          (inside scripts/vm-run.sh)
# With 2 ranks an allreduce of S moves S bytes each way (busbw = S / time).
# Under TCG rxe's work (copy, ICRC, copy) is done by the CPU of the process
# that posts it, so one-way ib_write_bw keeps one vCPU busy with it and an
# allreduce both (see docs/rdma-vm.md).
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
# shellcheck source=tests/rdma/lib-in-vm.sh
. "$here/lib-in-vm.sh"
build=$(readlink -f "${1:?usage: bench-in-vm.sh BUILD_DIR}")
dev=${FM_VM_IBDEV:-rxe0}
addr=${FM_VM_ADDR:-10.77.0.1}
netdev=${FM_VM_NETDEV:-v0}
sizes=${FM_BENCH_SIZES:-"1048576 4194304 16777216 67108864"}
rounds=${FM_BENCH_ROUNDS:-3}
volume=${FM_BENCH_BYTES:-33554432}
qps_list=${FM_BENCH_QPS:-1}
gid=$(roce_v2_gid_index "$dev" "$addr")
log=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$log"' EXIT

iters() {
    local n=$((volume / $1))
    echo $((n < 5 ? 5 : n))
}

# ib_write_bw at size $1, $2 "-b" for both directions; records MB/s per
# direction as column $3.
port=18600
write_bw() {
    local s=$1 n out div=1 both=()
    n=$(iters "$s")
    if [ -n "${2:-}" ]; then
        both=("$2")
        div=2
    fi
    port=$((port + 1))
    ib_write_bw -d "$dev" -x "$gid" -p $port -F -s "$s" -n "$n" "${both[@]}" >"$log/srv" 2>&1 &
    local srv=$!
    wait_port $port
    out=$(ib_write_bw -d "$dev" -x "$gid" -p $port -F -s "$s" -n "$n" "${both[@]}" "$addr" 2>&1) ||
        true
    wait $srv || true
    [ -s "$log/wbw-mtu" ] || awk '/Mtu/ { print $NF; exit }' <<<"$out" >"$log/wbw-mtu"
    # result line: bytes iterations peak average(MB/s) msgrate; -b sums both ways
    awk -v s="$s" -v div=$div -v col="$3" '$1 == s && NF >= 5 { print col, s, $4 / div }' \
        <<<"$out" >>"$log/res"
}

# fcoll-perf COLL at size $1 over ib, records busbw MB/s (S / time: 2 ranks)
# of out-of-place and in-place runs as columns $3-oop and $3-inp; extra
# environment (NAME=VALUE) in $4.
perf() {
    local s=$1 coll=$2 col=$3 out=$log/perf
    env FCOLL_TRANSPORT=ib ${4:+"$4"} "$build/bin/fcoll-run" -n 2 "$build/bin/fcoll-perf" "$coll" \
        -b "$s" -e "$s" -n "$(iters "$s")" -w 1 -c 1 >"$out" 2>&1 || {
        echo "# fcoll-perf $coll ($col) at $s failed:"
        tail -5 "$out"
    }
    awk -v s="$s" -v col="$col" '
        $1 == s && $6 > 0 { print col "-oop", s, $1 / $6; if ($9 !~ /^0$/) print "wrong", col "-oop", s, $9 }
        $1 == s && $10 ~ /^[0-9.]+$/ && $10 > 0 {
            print col "-inp", s, $1 / $10; if ($13 !~ /^0$/) print "wrong", col "-inp", s, $13 }' \
        "$out" >>"$log/res"
}

# The setup both sides run on: CPUs, the netdev's MTU, rxe's active MTU, the
# path MTU each side's QPs use (ib_write_bw prints its own; libfcoll logs it).
echo "# VM: $(nproc) vCPUs, $(awk '/MemTotal/ { printf "%d MiB", $2 / 1024 }' /proc/meminfo)," \
    "CPU flags: $(grep -m1 -o -w -E 'avx2|avx|sse4_2' /proc/cpuinfo | sort -u | tr '\n' ' ')"
echo "# $netdev MTU $(cat "/sys/class/net/$netdev/mtu"), $dev active_mtu" \
    "$(ibv_devinfo -d "$dev" -v | awk '/active_mtu/ { print $2; exit }'); fcoll path MTU:" \
    "$(FCOLL_DEBUG=INFO FCOLL_TRANSPORT=ib "$build/bin/fcoll-run" -n 2 "$build/bin/fcoll-perf" \
        sendrecv -b 4K -e 4K -n 1 -w 0 -c 0 2>&1 | sed -n 's/.*path mtu \([0-9]*\).*/\1/p' |
        sort -u | tr '\n' ' ')"
echo "# method: per measurement max(5, $volume / size) iterations, ib_write_bw and fcoll-perf" \
    "alike; $rounds rounds, every column at one size before the next; medians (min-max)"

for r in $(seq "$rounds"); do
    echo "# round $r of $rounds: VM load $(cut -d' ' -f1-3 /proc/loadavg)"
    # shellcheck disable=SC2086 # one argument per size
    "$build/tests/rdma/fcoll-ib-cpu-bw" $sizes | awk 'NR > 1 { print "reduce", $1, $3 }' >>"$log/res"
    for s in $sizes; do
        write_bw "$s" "" wbw
        write_bw "$s" -b wbw-b
        perf "$s" sendrecv sendrecv
        for q in $qps_list; do
            perf "$s" allreduce "allred-q$q" "FCOLL_IB_QPS_PER_PEER=$q"
        done
        if [ "${FM_BENCH_STAGED:-0}" = 1 ]; then
            perf "$s" allreduce staged "FCOLL_IB_ZCOPY_MIN=1073741824"
        fi
    done
done
echo "# ib_write_bw path MTU: $(cat "$log/wbw-mtu" 2>/dev/null)"

# Median and spread of column $1 at size $2: "median min max", or nothing.
stats() {
    awk -v c="$1" -v s="$2" '$1 == c && $2 == s { print $3 }' "$log/res" | sort -g |
        awk '{ v[NR] = $1 } END { if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2), v[1], v[NR] }'
}

cols="sendrecv-oop"
for q in $qps_list; do cols="$cols allred-q$q-oop allred-q$q-inp"; done
[ "${FM_BENCH_STAGED:-0}" != 1 ] || cols="$cols staged-oop staged-inp"
echo
echo "# busbw MB/s (10^6 B/s): median (min-max) over $rounds rounds"
printf '%-9s %-19s %-19s' size ib_write_bw "ib_write_bw-b/dir"
for c in $cols; do printf ' %-19s' "$c"; done
echo
for s in $sizes; do
    printf '%-9s' "$s"
    for c in wbw wbw-b $cols; do
        read -r m lo hi <<<"$(stats "$c" "$s")" || true
        printf ' %-19s' "$(printf '%.1f (%.1f-%.1f)' "${m:-0}" "${lo:-0}" "${hi:-0}")"
    done
    echo
done
echo
echo "# ratios of medians: to one-way ib_write_bw (the issue's bound) | to ib_write_bw -b per direction"
printf '%-9s' size
for c in $cols; do printf ' %-19s' "$c"; done
echo
for s in $sizes; do
    read -r b1 _ <<<"$(stats wbw "$s")" || true
    read -r b2 _ <<<"$(stats wbw-b "$s")" || true
    printf '%-9s' "$s"
    for c in $cols; do
        read -r m _ <<<"$(stats "$c" "$s")" || true
        printf ' %-19s' "$(awk -v m="${m:-0}" -v a="${b1:-0}" -v b="${b2:-0}" \
            'BEGIN { printf "%.2f | %.2f", (a > 0 ? m / a : 0), (b > 0 ? m / b : 0) }')"
    done
    echo
done

# The ceiling the VM's CPU sets on allreduce. Each rank moves S each way
# (rxe works on the poster's vCPU) and reduces S/2 elements on the same
# vCPU, so at best 1 / (1/T + 1/(2R)), R the sum kernel's rate and T what
# the VM moves each way with both directions busy: fcoll's own sendrecv,
# and ib_write_bw -b per direction (the same bound without libfcoll); medians.
echo
echo "# allreduce ceiling set by the VM's CPU, from medians: 1/(1/T + 1/(2R)), R the reduce rate,"
echo "# T = sendrecv busbw | ib_write_bw -b per direction; MB/s and ratio to one-way ib_write_bw"
for s in $sizes; do
    read -r sr _ <<<"$(stats sendrecv-oop "$s")" || true
    read -r red _ <<<"$(stats reduce "$s")" || true
    read -r b1 _ <<<"$(stats wbw "$s")" || true
    read -r b2 _ <<<"$(stats wbw-b "$s")" || true
    awk -v s="$s" -v sr="${sr:-0}" -v r="${red:-0}" -v b="${b1:-0}" -v bb="${b2:-0}" '
        function ceil(t) { return (t > 0 && r > 0) ? 1 / (1 / t + 1 / (2 * r)) : 0 }
        BEGIN { c1 = ceil(sr); c2 = ceil(bb); if (b <= 0) b = 1e30
            printf "# %-9s R %7.1f: sendrecv %6.1f -> %6.1f (%.2f) | ib_write_bw -b %6.1f -> %6.1f (%.2f)\n",
                s, r, sr, c1, c1 / b, bb, c2, c2 / b }'
done
wrong=$(awk '$1 == "wrong"' "$log/res")
echo "# #wrong: ${wrong:-none}"

# OpenMPI over UCX, once (when UCX cannot run on rxe it fails after its own
# timeouts). OpenMPI refuses the VM's host name "(none)".
mpi_peer=$build/bin/fcoll-peer-mpi
if [ -x "$mpi_peer" ]; then
    [ "$(hostname)" != "(none)" ] || hostname fm-vm
    if UCX_NET_DEVICES=$dev:1 UCX_TLS=rc,self,sm timeout 180 mpirun --allow-run-as-root \
        --oversubscribe -np 2 --mca pml ucx --mca btl ^vader,tcp,openib,uct --mca osc ^ucx \
        -x UCX_NET_DEVICES -x UCX_TLS "$mpi_peer" -b "${sizes%% *}" -e "${sizes##* }" -f 4 \
        -n 5 -w 1 >"$log/mpi" 2>&1; then
        echo "# OpenMPI+UCX allreduce on $dev (one run), busbw MB/s:"
        awk '$1 ~ /^[0-9]+$/ && $6 > 0 { printf "#   %-9s %.1f\n", $1, $1 / $6 }' "$log/mpi"
    else
        echo "# OpenMPI+UCX on $dev did not run: $(grep -m1 -E 'Fatal|rror' "$log/mpi" || tail -1 "$log/mpi")"
    fi
fi
[ -z "$wrong" ]

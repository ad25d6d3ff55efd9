#!/usr/bin/env bash
# Runs inside the RDMA VM: the ib transport's bandwidth against its bounds,
# all in one boot, on the same rxe device:
#  - ib_write_bw (perftest) one way, and both ways at once (-b, shown per
#    direction): the link;
#  - fcoll-ib-cpu-bw: memcpy and libfcoll's float sum kernel alone, the
#    CPU's share (under TCG the reduction is emulated and slow);
#  - fcoll-perf sendrecv and allreduce (2 ranks, out-of-place and in-place)
#    over ib from 1 MiB to 64 MiB, busbw in MB/s (10^6 B/s) and as ratios
#    to one-way ib_write_bw at the same size; allreduce for every QP count
#    in FM_BENCH_QPS, and with zero-copy puts turned off (staged) to show
#    what they bring;
#  - OpenMPI over UCX on rxe0 (fcoll-peer-mpi, pml ucx) where it runs.
# Every measurement is taken FM_BENCH_ROUNDS times (default 2), interleaved,
# and each round is printed: the machine is shared, single runs mislead.
#   scripts/vm-run.sh -t 1800 -- tests/rdma/bench-in-vm.sh BUILD_DIR
# With 2 ranks the ring moves S bytes each way per allreduce of S, so busbw
# = S / time, and both directions are busy at once: under TCG each rank's
# transfers cost CPU of the VM's 2 vCPUs (see docs/rdma-vm.md).
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
# shellcheck source=tests/rdma/lib-in-vm.sh
. "$here/lib-in-vm.sh"
build=$(readlink -f "${1:?usage: bench-in-vm.sh BUILD_DIR}")
dev=${FM_VM_IBDEV:-rxe0}
addr=${FM_VM_ADDR:-10.77.0.1}
sizes=${FM_BENCH_SIZES:-"1048576 4194304 16777216 67108864"}
rounds=${FM_BENCH_ROUNDS:-2}
qps_list=${FM_BENCH_QPS:-"1 2"}
gid=$(roce_v2_gid_index "$dev" "$addr")
log=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$log"' EXIT

echo "# vCPUs: $(nproc); CPU model flags: $(grep -m1 -o -w -E 'avx2|avx|sse4_2' /proc/cpuinfo | sort -u | tr '\n' ' ')"

# ib_write_bw at one size; $2 "-b" for both directions. Prints MB/s, per
# direction. About 256 MiB per run so that each takes seconds.
port=18600
write_bw() {
    local s=$1 n=$((268435456 / $1)) out div=1 both=()
    [ "$n" -ge 5 ] || n=5
    if [ -n "${2:-}" ]; then
        both=("$2")
        div=2
    fi
    port=$((port + 1))
    ib_write_bw -d "$dev" -x "$gid" -p $port -F -s "$s" -n $n "${both[@]}" >"$log/srv" 2>&1 &
    local srv=$!
    wait_port $port
    out=$(ib_write_bw -d "$dev" -x "$gid" -p $port -F -s "$s" -n $n "${both[@]}" "$addr" 2>&1) ||
        true
    wait $srv || true
    # result line: bytes iterations peak average(MB/s) msgrate; -b sums both ways
    awk -v s="$s" -v div=$div '$1 == s && NF >= 5 { printf "%.1f", $4 / div }' <<<"$out"
}

# fcoll-perf over ib; extra environment (NAME=VALUE) in $3.
perf() {
    env FCOLL_TRANSPORT=ib "$3" "$build/bin/fcoll-run" -n 2 "$build/bin/fcoll-perf" "$1" \
        -b "${sizes%% *}" -e "${sizes##* }" -f 4 -n 5 -w 1 -c 1 >"$2" 2>&1 || {
        echo "# fcoll-perf $1 ($3) failed:"
        tail -5 "$2"
    }
}

# busbw MB/s and ratio to the bound of size $1 from fcoll-perf output $2,
# column $3 (6: out-of-place time, 10: in-place time).
cell() {
    awk -v s="$1" -v col="$3" -v b="${bound[$1]:-0}" '
        $1 == s && $col ~ /^[0-9.]+$/ && $col > 0 {
            bw = $1 / $col; printf "%7.1f %5.2f", bw, (b > 0 ? bw / b : 0); found = 1 }
        END { if (!found) printf "%7s %5s", "n/a", "-" }' "$2"
}

# OpenMPI over UCX, tried in the first round only (when UCX cannot run on
# rxe it fails after its own timeouts, which take a while). OpenMPI refuses
# the VM's host name "(none)".
mpi_peer=$build/bin/fcoll-peer-mpi
[ "$(hostname)" != "(none)" ] || hostname fm-vm
run_mpi() {
    [ -x "$mpi_peer" ] || return 1
    UCX_NET_DEVICES=$dev:1 UCX_TLS=rc,self,sm timeout 180 mpirun --allow-run-as-root --oversubscribe \
        -np 2 --mca pml ucx --mca btl ^vader,tcp,openib,uct --mca osc ^ucx \
        -x UCX_NET_DEVICES -x UCX_TLS "$mpi_peer" -b "${sizes%% *}" -e "${sizes##* }" -f 4 \
        -n 5 -w 1 >"$1" 2>&1
}

declare -A bound=()
for r in $(seq "$rounds"); do
    echo
    echo "## round $r of $rounds (VM load $(cut -d' ' -f1-3 /proc/loadavg))"
    # shellcheck disable=SC2086 # one argument per size
    "$build/tests/rdma/fcoll-ib-cpu-bw" $sizes >"$log/cpu"
    sed 's/^/# cpu: /' "$log/cpu"
    printf '%-10s %12s %14s\n' size ib_write_bw "ib_write_bw-b"
    for s in $sizes; do
        bound[$s]=$(write_bw "$s")
        printf '%-10s %12s %14s\n' "$s" "${bound[$s]:-?}" "$(write_bw "$s" -b)"
    done
    perf sendrecv "$log/sendrecv" FCOLL_IB_QPS_PER_PEER=1
    for q in $qps_list; do
        perf allreduce "$log/allreduce-q$q" "FCOLL_IB_QPS_PER_PEER=$q"
    done
    perf allreduce "$log/allreduce-staged" "FCOLL_IB_ZCOPY_MIN=1073741824"
    mpi=""
    if [ "$r" -eq 1 ] && run_mpi "$log/mpi"; then
        mpi="$log/mpi"
    elif [ "$r" -eq 1 ]; then
        echo "# OpenMPI+UCX on $dev did not run: $(grep -m1 -E 'Fatal|rror' "$log/mpi" 2>/dev/null ||
            echo "fcoll-peer-mpi not built")"
    fi
    header=$(printf '%-10s | %-13s | %-13s' size "sendrecv oop" "sendrecv inp")
    for q in $qps_list; do
        header=$(printf '%s | %-13s | %-13s' "$header" "allred q$q oop" "allred q$q inp")
    done
    header=$(printf '%s | %-13s | %-13s | %-13s' "$header" "staged oop" "staged inp" "mpi+ucx")
    echo "# busbw MB/s and ratio to one-way ib_write_bw at the same size"
    echo "$header"
    for s in $sizes; do
        row=$(printf '%-10s | %s | %s' "$s" "$(cell "$s" "$log/sendrecv" 6)" "$(cell "$s" "$log/sendrecv" 10)")
        for q in $qps_list; do
            row="$row | $(cell "$s" "$log/allreduce-q$q" 6) | $(cell "$s" "$log/allreduce-q$q" 10)"
        done
        row="$row | $(cell "$s" "$log/allreduce-staged" 6) | $(cell "$s" "$log/allreduce-staged" 10)"
        if [ -n "$mpi" ]; then
            row="$row | $(cell "$s" "$mpi" 6)"
        else
            row="$row | $(printf '%7s %5s' n/a -)"
        fi
        echo "$row"
    done
    # The CPU's ceiling for allreduce: each rank moves what sendrecv moves
    # (S each way, on its own vCPU: rxe works in the poster's context) and
    # reduces S/2 on the same vCPU, so at best 1 / (1/sendrecv + 1/(2 R))
    # with R the kernel's rate above.
    echo "# allreduce ceiling from sendrecv busbw and the reduce rate (MB/s, ratio):"
    for s in $sizes; do
        awk -v s="$s" -v b="${bound[$s]:-0}" '
            FNR == NR { if ($1 == s) r = $3; next }
            $1 == s && $6 ~ /^[0-9.]+$/ && $6 > 0 && r > 0 {
                sr = $1 / $6; c = 1 / (1 / sr + 1 / (2 * r))
                printf "# %-10s sendrecv %6.1f reduce %6.1f -> ceiling %6.1f %5.2f\n", s, sr, r, c,
                    (b > 0 ? c / b : 0) }' "$log/cpu" "$log/sendrecv"
    done
    echo "# #wrong must be 0:"
    grep -h "Out of bounds" "$log"/sendrecv "$log"/allreduce-* | sort | uniq -c
done

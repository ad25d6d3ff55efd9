#!/usr/bin/env bash
# Runs inside the RDMA VM: the ib transport's bandwidth against its bound,
# ib_write_bw on the same rxe device, in one boot. Prints ib_write_bw and
# fcoll-perf sendrecv and allreduce (2 ranks, out-of-place and in-place)
# from 1 MiB to 64 MiB, in MB/s (10^6 B/s) and as ratios to ib_write_bw.
#   scripts/vm-run.sh -t 1200 -- tests/rdma/bench-in-vm.sh BUILD_DIR
# Needs libfcoll built with the ib transport registered. Under TCG the
# absolute figures mean little (DESIGN 4.2); the ratios are the result.
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
# shellcheck source=tests/rdma/lib-in-vm.sh
. "$here/lib-in-vm.sh"
build=$(readlink -f "${1:?usage: bench-in-vm.sh BUILD_DIR}")
dev=${FM_VM_IBDEV:-rxe0}
addr=${FM_VM_ADDR:-10.77.0.1}
sizes=${FM_BENCH_SIZES:-"1048576 4194304 16777216 67108864"}
gid=$(roce_v2_gid_index "$dev" "$addr")
log=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$log"' EXIT

# ib_write_bw per size, few iterations for the large ones (rxe under TCG
# moves tens of MB/s).
declare -A bound=()
port=18600
for s in $sizes; do
    n=$((s >= 16777216 ? 5 : 40))
    port=$((port + 1))
    ib_write_bw -d "$dev" -x "$gid" -p $port -F -s "$s" -n $n --report_gbits >"$log/srv" 2>&1 &
    srv=$!
    wait_port $port
    ib_write_bw -d "$dev" -x "$gid" -p $port -F -s "$s" -n $n --report_gbits "$addr" >"$log/cli" 2>&1
    wait $srv || true
    # bytes iterations peak average msgrate; Gb/s -> MB/s
    bound[$s]=$(awk -v s="$s" '$1 == s && NF >= 5 { printf "%.1f", $4 * 1000 / 8 }' "$log/cli")
done

# fcoll-perf over ib: busbw = size / time for both (factor 1 with 2 ranks).
perf() {
    FCOLL_TRANSPORT=ib "$build/bin/fcoll-run" -n 2 "$build/bin/fcoll-perf" "$1" \
        -b "${sizes%% *}" -e "${sizes##* }" -f 4 -n 3 -w 1 -c 1 >"$log/$1" 2>&1
}
perf sendrecv
perf allreduce

printf '%-10s %12s | %-24s | %-24s | %-24s | %-24s\n' size ib_write_bw \
    "sendrecv oop MB/s ratio" "sendrecv inp MB/s ratio" "allreduce oop MB/s ratio" \
    "allreduce inp MB/s ratio"
for s in $sizes; do
    row=$(printf '%-10s %12s' "$s" "${bound[$s]:-?}")
    for c in sendrecv allreduce; do
        for col in 6 10; do
            cell=$(awk -v s="$s" -v col=$col -v b="${bound[$s]:-0}" '
                $1 == s && $col ~ /^[0-9.]+$/ && $col > 0 {
                    bw = $1 / $col; printf "%9.1f  %5.2f", bw, (b > 0 ? bw / b : 0); found = 1 }
                END { if (!found) printf "%9s  %5s", "n/a", "-" }' "$log/$c")
            row="$row | $(printf '%-24s' "$cell")"
        done
    done
    echo "$row"
done
echo "# ratio = busbw / ib_write_bw at the same size; #wrong must be 0:"
grep -h "Out of bounds" "$log/sendrecv" "$log/allreduce"

#!/usr/bin/env bash
# The ib transport benchmark (issue #6): boots the RDMA VM once and runs
# tests/rdma/bench-in-vm.sh in it (ib_write_bw one way and both ways,
# fcoll-perf sendrecv and allreduce over ib with 2 ranks, 1-64 MiB,
# repeated rounds, medians and ratios). Around it, on the host: the host's
# cores and load before and after, and how much CPU the VM (qemu) got, in
# host cores: under TCG the VM's throughput is the CPU it gets, and the
# other processes on the host take their share of it.
#
# usage: scripts/bench-rdma.sh [BUILD_DIR]   (default: build; needs fcoll-perf,
#        fcoll-run and fcoll-ib-cpu-bw built in it)
# Environment: FM_BENCH_ROUNDS, FM_BENCH_SIZES, FM_BENCH_BYTES, FM_BENCH_QPS,
# FM_BENCH_STAGED (see tests/rdma/bench-in-vm.sh), FM_VM_* (scripts/vm-run.sh).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(readlink -f "${1:-$root/build}")
for t in bin/fcoll-perf bin/fcoll-run tests/rdma/fcoll-ib-cpu-bw; do
    [ -x "$build/$t" ] || { echo "bench-rdma: $build/$t not built" >&2; exit 2; }
done
"$root/scripts/vm-run.sh" --check || exit $?

echo "# host: $(nproc) cores, load before: $(cut -d' ' -f1-3 /proc/loadavg)"
t0=$(date +%s.%N)
rc=0
"$root/scripts/vm-run.sh" -t 1500 -- "$root/tests/rdma/bench-in-vm.sh" "$build" || rc=$?
t1=$(date +%s.%N)
# The second line of `times` (run in this shell, not a subshell): the CPU
# this shell's children used, qemu's included.
cpu_file=$(mktemp)
times >"$cpu_file"
read -r cu cs < <(sed -n 2p "$cpu_file")
rm -f "$cpu_file"
echo "# host load after: $(cut -d' ' -f1-3 /proc/loadavg)"
awk -v u="$cu" -v s="$cs" -v a="$t0" -v b="$t1" -v n="$(nproc)" '
    function sec(x, m) { m = x; sub(/m.*/, "", m); sub(/^[0-9]+m/, "", x); sub(/s$/, "", x); return m * 60 + x }
    BEGIN { cpu = sec(u) + sec(s); w = b - a
        printf "# the VM used %.0f CPU-s in %.0f s: %.2f of the host'"'"'s %d cores (boot and waits included)\n",
            cpu, w, cpu / w, n }'
exit "$rc"

#!/usr/bin/env bash
# Runs inside the RDMA VM: every RDMA check, one after another, so that the
# suite costs one boot. usage: suite-in-vm.sh BUILD_DIR
set -uo pipefail
here=$(dirname "$(readlink -f "$0")")
build=${1:?usage: suite-in-vm.sh BUILD_DIR}
failed=()

run() {
    local name=$1
    shift
    echo "=== $name"
    local t0=$SECONDS
    if "$@"; then
        echo "=== $name: PASS ($((SECONDS - t0)) s)"
    else
        echo "=== $name: FAIL (status $?, $((SECONDS - t0)) s)"
        failed+=("$name")
    fi
}

run smoke "$here/smoke-in-vm.sh"

# The collectives ib transport through its ops table: data with 2 and 4
# ranks (4 with 3 QPs per peer and every put zero-copy), registration
# cache, then a killed peer, an aborted peer and a QP forced into the error
# state must end in errors; every run checks close leaves no verbs object.
tl=$build/tests/rdma/test_ib_tl
if [ -x "$tl" ]; then
    run ib_tl_2 timeout 300 "$tl" -n 2 -i 64
    FCOLL_IB_QPS_PER_PEER=3 FCOLL_IB_ZCOPY_MIN=1 run ib_tl_4_qps3 timeout 300 "$tl" -n 4 -i 32
    run ib_tl_kill timeout 300 "$tl" -n 2 -m kill
    run ib_tl_abort timeout 300 "$tl" -n 2 -m abort
    run ib_tl_qperr timeout 300 "$tl" -n 2 -m qperr
else
    echo "=== ib_tl: not built ($tl missing)"
fi

# The collectives correctness suite over ib, once libfcoll registers it.
coll=$build/bin/fcoll-test-coll
lib=$(ls "$build"/lib/libfcoll.so* 2>/dev/null | head -n1)
if [ -x "$coll" ] && [ -n "$lib" ] && grep -q FCOLL_IB_HCA "$lib"; then
    run coll_ib_2 timeout 600 "$coll" -n 2 -t ib
    run coll_ib_4 timeout 600 "$coll" -n 4 -t ib
    # A peer killed or aborting in the middle of an allreduce (timed from
    # inside the run, not by a fixed sleep; fcoll-test-fault's 700 ms falls
    # inside communicator init under TCG).
    run coll_ib_fault timeout 300 "$build/tests/rdma/fcoll-ib-fault" -n 3
    # The transport libfcoll picks by itself between "hosts" (namespaces).
    run auto_transport timeout 300 "$here/auto-in-vm.sh" "$build"
else
    echo "=== coll_ib: libfcoll has no ib transport yet (or is not built): skipped"
fi

if [ ${#failed[@]} -ne 0 ]; then
    echo "RDMA suite: FAILED: ${failed[*]}"
    exit 1
fi
echo "RDMA suite: all passed"

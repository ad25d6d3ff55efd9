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

# The collectives ib transport tests, once they are built.
for t in "$build"/tests/rdma/test_ib_* "$build"/collectives/tests/rdma/*; do
    [ -x "$t" ] || continue
    run "${t##*/}" timeout 300 "$t"
done

if [ ${#failed[@]} -ne 0 ]; then
    echo "RDMA suite: FAILED: ${failed[*]}"
    exit 1
fi
echo "RDMA suite: all passed"

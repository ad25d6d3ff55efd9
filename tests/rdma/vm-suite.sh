#!/usr/bin/env bash
# ctest entry: the whole RDMA suite in ONE VM boot (scripts/vm-run.sh).
# usage: vm-suite.sh BUILD_DIR
# Skips (exit 77) with the reason when the VM cannot run on this machine.
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
root=$(readlink -f "$here/../..")
build=$(readlink -f "${1:-$root/build}")
vmrun=$root/scripts/vm-run.sh

if ! reason=$("$vmrun" --check); then
    echo "SKIP: $reason"
    exit 77
fi
"$vmrun" --prepare
exec "$vmrun" -t "${FM_RDMA_SUITE_TIMEOUT:-900}" -- "$here/suite-in-vm.sh" "$build"

#!/usr/bin/env bash
# ctest entry: fabprobe in the Soft-RoCE VM (scripts/vm-run.sh, DESIGN 4.2).
# usage: vm-probes.sh FABPROBE. Skips (77) where the VM cannot run here.
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
vmrun=$(readlink -f "$here/../../scripts/vm-run.sh")
if ! reason=$("$vmrun" --check); then
    echo "SKIP: $reason"
    exit 77
fi
"$vmrun" --prepare
exec "$vmrun" -t "${FM_VM_PROBES_TIMEOUT:-600}" -- "$here/vm-in.sh" "$(readlink -f "$1")"

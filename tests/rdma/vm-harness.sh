#!/usr/bin/env bash
# ctest entry: scripts/vm-run.sh itself: exit status and output come back,
# working directory, environment selection, writable share, the timeout
# kills the VM and leaves no qemu behind. Two boots.
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
root=$(readlink -f "$here/../..")
vmrun=$root/scripts/vm-run.sh

if ! reason=$("$vmrun" --check); then
    echo "SKIP: $reason"
    exit 77
fi
"$vmrun" --prepare

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
check() {
    if eval "$2"; then
        echo "ok - $1"
    else
        echo "not ok - $1"
        fail=1
    fi
}

# 1. A failing command: its status, stdout, stderr, cwd, env, -w share.
mkdir "$tmp/share" "$tmp/cwd"
rc=0
(cd "$tmp/cwd" && FCOLL_HARNESS_CHECK=yes OTHER_VAR=no \
    "$vmrun" -t 240 -w "$tmp/share" -e EXTRA="a b" -- \
    sh -c 'echo "out $FCOLL_HARNESS_CHECK ${OTHER_VAR:-unset} $EXTRA $FM_VM_IBDEV"; pwd;
           echo err >&2; echo written >'"$tmp/share/f"'; exit 3') \
    >"$tmp/out" 2>"$tmp/err" || rc=$?
cat "$tmp/out" "$tmp/err"
check "exit status 3 comes back" '[ $rc -eq 3 ]'
check "stdout, FCOLL_* passed, others not, -e set" 'grep -qx "out yes unset a b rxe0" "$tmp/out"'
check "runs in the caller working directory" 'grep -qx "$(cd "$tmp/cwd" && pwd -P)" "$tmp/out"'
check "stderr comes back" 'grep -qx err "$tmp/err"'
check "writable share" '[ "$(cat "$tmp/share/f" 2>/dev/null)" = written ]'

# 2. The timeout kills the VM, fails clearly, leaves no qemu.
rc=0
"$vmrun" -k -t 20 -- sleep 1000 >"$tmp/out" 2>"$tmp/err" || rc=$?
cat "$tmp/err"
ctl=$(sed -n 's/^vm-run: control directory kept: //p' "$tmp/err")
check "timeout: status 124" '[ $rc -eq 124 ]'
check "timeout: says so" 'grep -q TIMEOUT "$tmp/err"'
check "timeout: no qemu left" '[ -n "$ctl" ] && ! pgrep -f "$ctl/" >/dev/null'
[ -z "$ctl" ] || rm -rf "$ctl"
exit $fail

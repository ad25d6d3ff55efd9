#!/usr/bin/env bash
# What a user sees when discovery cannot work, is limited, or the fabric
# changed: clear messages and meaningful exit codes, never a crash.
#   test_discover_errors.sh FABTOPO NETFILE
set -euo pipefail
fabtopo=$1
netfile=$2
. "$(dirname "$0")/simlib.sh"
sim_require
sim_workdir
w=$SIM_WORK

# expect RC PATTERN CMD...: CMD exits with RC and says PATTERN on stderr.
expect() {
    local want=$1 pattern=$2 rc=0
    shift 2
    "$@" >"$w/out" 2>"$w/err" || rc=$?
    [ "$rc" -eq "$want" ] || { cat "$w/err" >&2; sim_fail "$* exited $rc, expected $want"; }
    grep -q -- "$pattern" "$w/err" "$w/out" ||
        { cat "$w/err" >&2; sim_fail "$*: no message matching '$pattern'"; }
}

# No such device: named in the message, no simulator involved.
expect 1 "no InfiniBand device 'nosuchca'" "$fabtopo" discover -C nosuchca
expect 2 "needs a non-negative number" "$fabtopo" discover -t -5

sim_start "$netfile"
expect 1 "has no port 9" sim_run "$fabtopo" discover -P 9
expect 1 "is too long" sim_run "$fabtopo" discover -C a-very-long-device-name-indeed
expect 1 "cannot write the libibnetdisc cache" sim_run "$fabtopo" discover -o /dev/null \
    --cache "$w/no/such/dir/live.cache"
sim_run "$fabtopo" discover -f cache -o "$w/live.cache" 2>/dev/null ||
    sim_fail "discovery failed"

# A truncated or overwritten cache is refused with the byte where it breaks.
size=$(stat -c %s "$w/live.cache")
head -c $((size - 7)) "$w/live.cache" >"$w/cut.cache"
expect 2 "cut.cache: byte" "$fabtopo" diff -f cache "$w/cut.cache" "$w/live.cache"
cp "$w/live.cache" "$w/bad.cache"
printf '\xff\xff\xff\xff' | dd of="$w/bad.cache" bs=1 seek=8 conv=notrunc status=none
expect 2 "bad.cache: byte 8" "$fabtopo" diff "$w/bad.cache" "$w/live.cache"

# A hop limit stops the sweep early: the far nodes are missing, not broken.
# (The timeout is generous: a loaded machine answers slowly.)
sim_run "$fabtopo" discover -m 1 -t 2000 -r 3 -f cache -o "$w/near.cache" 2>/dev/null ||
    sim_fail "discovery with -m 1 failed"
expect 1 "is missing from the second fabric" "$fabtopo" diff "$w/live.cache" "$w/near.cache"

# A cable pulled on ibsim's console: the next discovery misses exactly it.
leaf=$(awk '/^Switch/ { n++ } n == 2 && /^\[/ { print; exit }' "$netfile")
port=${leaf%%]*}
port=${port#[}
id=$(awk '/^Switch/ { n++; if (n == 2) { print $3; exit } }' "$netfile")
sim_console "Unlink $id[$port]"
# The console is read asynchronously: poll until the sweep sees the change.
for _ in $(seq 20); do
    sim_run "$fabtopo" discover -f cache -o "$w/unlinked.cache" 2>/dev/null || sim_fail "discovery failed"
    "$fabtopo" diff "$w/live.cache" "$w/unlinked.cache" >"$w/diff" 2>&1 || break
    sleep 0.2
done
grep -q "port $port: linked to" "$w/diff" || { cat "$w/diff" >&2; sim_fail "diff does not name the pulled cable"; }
echo "PASS"

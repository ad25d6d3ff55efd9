# Helpers for scripts that run inside the RDMA VM (scripts/vm-run.sh);
# sourced, not run. Results are TAP-like lines; fail_count counts failures.
fail_count=0
ok() { echo "ok - $*"; }
not_ok() {
    echo "not ok - $*"
    fail_count=$((fail_count + 1))
}

# Waits until a TCP port listens (a server's out-of-band socket), up to
# $2 seconds (default 60): servers start slowly under TCG.
wait_port() {
    local port=$1 n=$((${2:-60} * 10))
    while [ "$n" -gt 0 ]; do
        [ -n "$(ss -Hltn "sport = :$port" 2>/dev/null)" ] && return 0
        sleep 0.1
        n=$((n - 1))
    done
    return 1
}

# Index of the RoCE v2 GID of the IPv4 address $2 on device $1, port 1.
roce_v2_gid_index() {
    local dev=$1 addr=$2 want f i
    want=$(printf '0000:0000:0000:0000:0000:ffff:%02x%02x:%02x%02x' ${addr//./ })
    for f in /sys/class/infiniband/"$dev"/ports/1/gids/*; do
        i=${f##*/}
        [ "$(cat "$f" 2>/dev/null)" = "$want" ] || continue
        [ "$(cat /sys/class/infiniband/"$dev"/ports/1/gid_attrs/types/"$i" 2>/dev/null)" = "RoCE v2" ] || continue
        echo "$i"
        return 0
    done
    return 1
}

#!/usr/bin/env bash
# vm-run.sh: runs one project command inside a qemu VM that has real RDMA
# verbs (Soft-RoCE, rdma_rxe) configured, and returns its exit status.
#
#   scripts/vm-run.sh [options] -- COMMAND [ARG...]
#
# The VM boots Debian's own kernel (the host kernel has no RDMA), fetched
# once with apt-get and cached, and a tiny busybox initramfs built from this
# script. The host root is shared read-only over virtio-9p; the VM chroots
# into it, so the command sees the host's binaries, libraries and build trees
# at the same paths, and runs in the caller's working directory. /tmp, /run,
# /dev/shm and $HOME are fresh tmpfs in the VM; directories given with -w
# (and the working directory when it lies under /tmp) are shared writable.
# One rxe device (rxe0 on veth v0, 10.77.0.1/24) serves every process.
# See docs/rdma-vm.md and DESIGN section 4.2.
#
# Exit status: the command's own status; 124 when the timeout killed the
# VM; 125 when the VM could not be prepared, booted or set up (the console
# log is printed); 77 from --check when the VM cannot run on this machine.
set -euo pipefail

PROG=vm-run
SCRIPT_PATH=$(readlink -f "${BASH_SOURCE[0]}")

usage() {
    cat <<'EOF'
usage: vm-run.sh [options] -- COMMAND [ARG...]
       vm-run.sh --check | --prepare
  -t SECONDS   kill the VM and fail (exit 124) after SECONDS (default 300,
               or $FM_VM_TIMEOUT)
  -m MIB       guest memory (default 2048, or $FM_VM_MEM)
  -c CPUS      guest CPUs (default 2, or $FM_VM_CPUS)
  -w DIR       share host DIR writable at the same path (repeatable)
  -e NAME[=V]  pass variable NAME (or set it to V) in the VM (repeatable);
               passed by default: FCOLL_* FM_* ASAN/UBSAN/LSAN_OPTIONS PATH
               LD_LIBRARY_PATH LANG LC_* TZ TERM
  -v           also stream the VM console (kernel and setup messages)
  -k           keep the control directory (logs) and print its path
  --check      exit 0 if the VM can run here, else print why and exit 77
  --prepare    fetch the kernel and build the initramfs, then exit
  -h           this help
Environment: FM_VM_CACHE (cache dir, default /var/cache/fabric-manager/vm),
FM_VM_KERNEL (kernel package version such as 6.1.0-56-amd64), FM_VM_CPU
(qemu CPU model, default max,-avx,-avx2,-fma,-f16c).
Inside the VM: FM_VM=1, FM_VM_IBDEV=rxe0, FM_VM_NETDEV=v0,
FM_VM_ADDR=10.77.0.1, HOME=/tmp/home.
EOF
}

log() { printf '%s: %s\n' "$PROG" "$*" >&2; }
die() {
    log "$*"
    exit 125
}

timeout_s=${FM_VM_TIMEOUT:-300}
mem=${FM_VM_MEM:-2048}
cpus=${FM_VM_CPUS:-2}
# TCG's "max" model without AVX: TCG emulates 256-bit vector instructions
# about 3x slower than SSE (libfcoll's float sum kernel: AVX2 clone 190
# MB/s, SSE2 550 MB/s in the VM), so programs that pick their code by CPUID
# run faster on a CPU that does not offer them.
cpu_model=${FM_VM_CPU:-max,-avx,-avx2,-fma,-f16c}
verbose=0
keep=0
mode=run
shares=()
env_extra=()

while [ $# -gt 0 ]; do
    case $1 in
    -t) timeout_s=$2; shift 2 ;;
    -m) mem=$2; shift 2 ;;
    -c) cpus=$2; shift 2 ;;
    -w) shares+=("$(readlink -f "$2")"); shift 2 ;;
    -e) env_extra+=("$2"); shift 2 ;;
    -v) verbose=1; shift ;;
    -k) keep=1; shift ;;
    --check) mode=check; shift ;;
    --prepare) mode=prepare; shift ;;
    -h | --help) usage; exit 0 ;;
    --) shift; break ;;
    -*) usage >&2; exit 125 ;;
    *) break ;;
    esac
done
case $timeout_s$mem$cpus in *[!0-9]*) die "-t, -m and -c take whole numbers" ;; esac
if [ "$mode" = run ] && [ $# -eq 0 ]; then
    usage >&2
    exit 125
fi

# ---------------------------------------------------------------- checks

QEMU=qemu-system-x86_64
BUSYBOX=/bin/busybox

# Prints why the VM cannot run here, or nothing.
why_not() {
    if [ "$(id -u)" -ne 0 ]; then
        echo "not root (the VM setup, the kernel download and the 9p host share need root)"
    elif ! command -v "$QEMU" >/dev/null; then
        echo "$QEMU not installed (package qemu-system-x86; scripts/install-deps.sh)"
    elif ! [ -x "$BUSYBOX" ] || ! { LC_ALL=C ldd "$BUSYBOX" 2>&1 || true; } | grep -q 'not a dynamic'; then
        echo "no static $BUSYBOX (package busybox-static)"
    elif ! command -v cpio >/dev/null; then
        echo "cpio not installed"
    elif ! command -v rdma >/dev/null; then
        echo "rdma (iproute2) not installed"
    fi
}

if [ "$mode" = check ]; then
    reason=$(why_not)
    if [ -n "$reason" ]; then
        echo "$PROG: cannot run the RDMA VM: $reason"
        exit 77
    fi
    exit 0
fi
reason=$(why_not)
[ -z "$reason" ] || die "cannot run the RDMA VM: $reason"

# ---------------------------------------------------------------- cache

cache=${FM_VM_CACHE:-/var/cache/fabric-manager/vm}
mkdir -p "$cache" || die "cannot create cache dir $cache"
exec 9>"$cache/lock"
# Several tests may start at once: one of them fetches and builds, the
# others wait for it.
flock 9

# The kernel package version: $FM_VM_KERNEL, else the one cached last, else
# what linux-image-amd64 depends on in the apt lists (updated if needed).
resolve_kernel() {
    if [ -n "${FM_VM_KERNEL:-}" ]; then
        echo "$FM_VM_KERNEL"
        return
    fi
    if [ -s "$cache/kernel-version" ] && [ -e "$cache/kernel/$(cat "$cache/kernel-version")/.complete" ]; then
        cat "$cache/kernel-version"
        return
    fi
    local v
    v=$(apt-cache depends linux-image-amd64 2>/dev/null |
        sed -n 's/^ *Depends: linux-image-\([0-9].*-amd64\)$/\1/p' | head -n1)
    if [ -z "$v" ]; then
        log "linux-image-amd64 not in the apt lists: apt-get update"
        apt-get update -q >&2 || die "apt-get update failed"
        v=$(apt-cache depends linux-image-amd64 2>/dev/null |
            sed -n 's/^ *Depends: linux-image-\([0-9].*-amd64\)$/\1/p' | head -n1)
    fi
    [ -n "$v" ] || die "cannot find the Debian kernel package (apt-cache depends linux-image-amd64)"
    echo "$v"
}

fetch_kernel() {
    local v=$1 dir=$cache/kernel/$1 dl
    [ -e "$dir/.complete" ] && return 0
    log "fetching Debian kernel linux-image-$v into $cache (first use)"
    dl=$(mktemp -d "$cache/dl.XXXXXX")
    # apt's sandbox user cannot write here; download as root, quietly.
    if ! (cd "$dl" && apt-get download -q -o APT::Sandbox::User=root "linux-image-$v" >&2); then
        # Stale lists: the mirror may carry a newer ABI (NN) by now.
        log "apt-get download failed: apt-get update and retry"
        apt-get update -q >&2 || die "apt-get update failed"
        if [ -z "${FM_VM_KERNEL:-}" ]; then
            v=$(apt-cache depends linux-image-amd64 2>/dev/null |
                sed -n 's/^ *Depends: linux-image-\([0-9].*-amd64\)$/\1/p' | head -n1)
            [ -n "$v" ] || die "cannot find the Debian kernel package after apt-get update"
            dir=$cache/kernel/$v
            kver=$v
            [ -e "$dir/.complete" ] && { rm -rf "$dl"; return 0; }
        fi
        (cd "$dl" && apt-get download -q -o APT::Sandbox::User=root "linux-image-$v" >&2) ||
            die "cannot download linux-image-$v"
    fi
    rm -rf "$dir"
    mkdir -p "$dir"
    dpkg -x "$dl"/linux-image-*.deb "$dir" || die "dpkg -x of linux-image-$v failed"
    rm -rf "$dl"
    [ -f "$dir/boot/vmlinuz-$v" ] || die "no vmlinuz in linux-image-$v"
    touch "$dir/.complete"
}

kver=$(resolve_kernel)
fetch_kernel "$kver" # may move kver to a newer package
echo "$kver" >"$cache/kernel-version"
kdir=$cache/kernel/$kver
moddir=$kdir/lib/modules/$kver

# Modules in load order: 9p first (to mount the host root), then RDMA.
# crc32_generic is no hard dependency of rdma_rxe but rxe needs it (without
# it "rdma link add" fails); configfs is one of rdma_cm.
MODULES="virtio_pci 9pnet_virtio 9p crc32_generic rdma_rxe veth rdma_ucm"

declare -A mod_path=() mod_done=()
mod_order=()
index_modules() {
    local f n
    while IFS= read -r f; do
        n=${f##*/}
        n=${n%.ko}
        mod_path[$n]=$f
        mod_path[${n//-/_}]=$f
    done < <(find "$moddir/kernel" -name '*.ko')
}
add_module() {
    local m=${1//-/_} d deps
    [ -n "${mod_done[$m]:-}" ] && return 0
    [ -n "${mod_path[$m]:-}" ] || die "kernel $kver has no module $m"
    mod_done[$m]=1
    deps=$(modinfo -F depends "${mod_path[$m]}")
    for d in ${deps//,/ }; do
        add_module "$d"
    done
    mod_order+=("$m")
}

initrd=$cache/initrd-$kver-$(sha256sum "$SCRIPT_PATH" | cut -c1-16).cpio.gz
build_initrd() {
    [ -s "$initrd" ] && return 0
    command -v modinfo >/dev/null || die "modinfo not installed (package kmod)"
    log "building initramfs $initrd"
    index_modules
    local m tree
    for m in $MODULES; do add_module "$m"; done
    tree=$(mktemp -d "$cache/initrd.XXXXXX")
    mkdir -p "$tree"/{bin,dev,proc,sys,mnt/root,lib/modules}
    cp "$BUSYBOX" "$tree/bin/busybox"
    for m in "${mod_order[@]}"; do
        cp "${mod_path[$m]}" "$tree/lib/modules/$m.ko"
        echo "$m" >>"$tree/lib/modules/order"
    done
    write_init >"$tree/init"
    chmod 755 "$tree/init"
    (cd "$tree" && find . | cpio -o -H newc -R 0:0 --quiet | gzip -1) >"$initrd.tmp" ||
        die "cpio of the initramfs failed"
    mv "$initrd.tmp" "$initrd"
    rm -rf "$tree"
    # Old initramfs builds of other script versions are of no use.
    find "$cache" -maxdepth 1 -name 'initrd-*.cpio.gz' ! -name "${initrd##*/}" -delete
}

# The initramfs /init: busybox sh. Loads the modules, mounts the host root
# (9p, read-only), the control share and the writable shares, mounts
# proc/sys/dev/tmpfs inside it and chroots into it to run
# /run/fm-vm/inner.sh (written per run by the host, below).
write_init() {
    cat <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
msg() { echo "fm-vm: $*" >/dev/console; }
halt() {
    sync
    poweroff -f
    reboot -f
}
for m in $(cat /lib/modules/order); do
    insmod /lib/modules/$m.ko || { msg "insmod $m failed"; halt; }
done
R=/mnt/root
o=trans=virtio,version=9p2000.L,msize=512000
mount -t 9p -o $o,ro,cache=loose hostroot $R || { msg "cannot mount the host root"; halt; }
mount -t proc proc $R/proc
mount -t sysfs sysfs $R/sys
mount -t devtmpfs devtmpfs $R/dev
mkdir -p $R/dev/pts $R/dev/shm
mount -t devpts devpts $R/dev/pts
mount -t tmpfs tmpfs $R/dev/shm
mount -t tmpfs -o mode=1777 tmpfs $R/tmp
mount -t tmpfs -o mode=755 tmpfs $R/run
mkdir -p $R/run/fm-vm $R/tmp/home
mount -t 9p -o $o fmctl $R/run/fm-vm || { msg "cannot mount the control share"; halt; }
i=0
while read -r d; do
    mkdir -p "$R$d" 2>/dev/null
    mount -t 9p -o $o fmw$i "$R$d" || { msg "cannot mount share $d"; halt; }
    i=$((i + 1))
done <$R/run/fm-vm/shares
chroot $R /bin/bash /run/fm-vm/inner.sh
sync
umount $R/run/fm-vm
halt
EOF
}

build_initrd
flock -u 9

if [ "$mode" = prepare ]; then
    log "kernel $kver and initramfs ready in $cache"
    exit 0
fi

# ---------------------------------------------------------------- one run

ctl=$(mktemp -d /tmp/fm-vm.XXXXXX)
qemu_pid=
tail_pids=()
cleanup() {
    local rc=$?
    if [ -n "$qemu_pid" ] && kill -0 "$qemu_pid" 2>/dev/null; then
        kill "$qemu_pid" 2>/dev/null || true
        sleep 0.2
        kill -9 "$qemu_pid" 2>/dev/null || true
    fi
    if [ -s "$ctl/qemu.pid" ]; then
        kill -9 "$(cat "$ctl/qemu.pid")" 2>/dev/null || true
    fi
    for p in "${tail_pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    if [ "$keep" = 1 ]; then
        log "control directory kept: $ctl"
    else
        rm -rf "$ctl"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

# The VM's /tmp and /run are its own: share the working directory and the
# project (its test scripts) when they lie there, as in a CI clone under /tmp.
project=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cwd=$(pwd -P)
for d in "$project" "$cwd"; do
    case $d in
    /tmp | /tmp/* | /run | /run/*)
        [[ " ${shares[*]} " == *" $d "* ]] || shares+=("$d")
        ;;
    esac
done
: >"$ctl/shares"
virtfs=()
i=0
for d in "${shares[@]}"; do
    [ -d "$d" ] || die "-w $d: not a directory"
    printf '%s\n' "$d" >>"$ctl/shares"
    virtfs+=(-virtfs "local,path=$d,mount_tag=fmw$i,security_model=none,multidevs=remap")
    i=$((i + 1))
done

# The environment the command sees: a selection of the caller's, -e extras.
{
    while IFS= read -r name; do
        case $name in
        FCOLL_* | FM_* | ASAN_OPTIONS | UBSAN_OPTIONS | LSAN_OPTIONS | PATH | \
            LD_LIBRARY_PATH | LANG | LC_* | TZ | TERM)
            printf 'export %s=%q\n' "$name" "${!name}"
            ;;
        esac
    done < <(compgen -e)
    for e in "${env_extra[@]}"; do
        case $e in
        *=*) printf 'export %s=%q\n' "${e%%=*}" "${e#*=}" ;;
        *) [ -z "${!e+x}" ] || printf 'export %s=%q\n' "$e" "${!e}" ;;
        esac
    done
    printf 'export HOME=/tmp/home FM_VM=1 FM_VM_IBDEV=rxe0 FM_VM_NETDEV=v0 FM_VM_ADDR=10.77.0.1\n'
} >"$ctl/env"
printf '%q ' "$@" >"$ctl/cmd"

# Runs in the VM, chrooted into the host root: network and rxe setup with
# the host's iproute2, then the command with its output in the control share.
cat >"$ctl/inner.sh" <<'EOF'
C=/run/fm-vm
fail() {
    echo "fm-vm: $*" >/dev/console
    echo 125 >$C/rc.tmp && mv $C/rc.tmp $C/rc
    exit 0
}
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
ip link set lo up || fail "ip link set lo up"
ip link add v0 type veth peer name v1 || fail "ip link add veth"
ip addr add 10.77.0.1/24 dev v0 || fail "ip addr add"
ip link set v0 up && ip link set v1 up || fail "ip link set up"
rdma link add rxe0 type rxe netdev v0 || fail "rdma link add rxe0 failed"
n=0
until rdma link show rxe0/1 2>/dev/null | grep -q 'state ACTIVE'; do
    n=$((n + 1))
    [ $n -lt 100 ] || fail "rxe0 not ACTIVE: $(rdma link show 2>&1)"
    sleep 0.1
done
touch $C/started
. $C/env
cd "$(cat $C/cwd)" || fail "cannot cd to $(cat $C/cwd) in the VM"
eval "$(cat $C/cmd)" </dev/null >>$C/stdout 2>>$C/stderr
echo $? >$C/rc.tmp && mv $C/rc.tmp $C/rc
EOF
printf '%s\n' "$cwd" >"$ctl/cwd"
: >"$ctl/stdout"
: >"$ctl/stderr"
: >"$ctl/console.log"

t_start=$(date +%s.%N)
qemu_args=(
    -accel tcg,thread=multi -cpu "$cpu_model" -m "$mem" -smp "$cpus"
    -nodefaults -no-user-config -display none -no-reboot
    -serial "file:$ctl/console.log" -monitor none
    -kernel "$kdir/boot/vmlinuz-$kver" -initrd "$initrd"
    -append "console=ttyS0 quiet panic=-1 mitigations=off ${FM_VM_APPEND:-}"
    -virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap"
    -virtfs "local,path=$ctl,mount_tag=fmctl,security_model=none,multidevs=remap"
    "${virtfs[@]}"
    -pidfile "$ctl/qemu.pid"
)
"$QEMU" "${qemu_args[@]}" </dev/null >"$ctl/qemu.out" 2>&1 &
qemu_pid=$!

tail -q -n +1 -s 0.2 -f --pid="$qemu_pid" "$ctl/stdout" &
tail_pids+=($!)
tail -q -n +1 -s 0.2 -f --pid="$qemu_pid" "$ctl/stderr" >&2 &
tail_pids+=($!)
if [ "$verbose" = 1 ]; then
    tail -q -n +1 -s 0.2 -f --pid="$qemu_pid" "$ctl/console.log" >&2 &
    tail_pids+=($!)
fi

# Wait for the VM, the timeout, and note when the command started.
deadline=$(($(date +%s) + timeout_s))
t_boot=
while kill -0 "$qemu_pid" 2>/dev/null; do
    if [ -z "$t_boot" ] && [ -e "$ctl/started" ]; then
        t_boot=$(date +%s.%N)
    fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
        kill -9 "$qemu_pid" 2>/dev/null || true
        wait "$qemu_pid" 2>/dev/null || true
        wait "${tail_pids[@]}" 2>/dev/null || true
        if [ -e "$ctl/started" ]; then
            log "TIMEOUT: the command ran past the ${timeout_s}s limit (-t); VM killed"
        else
            log "TIMEOUT: the VM did not finish booting within ${timeout_s}s (-t); VM killed; console:"
        fi
        tail -n 30 "$ctl/console.log" >&2
        exit 124
    fi
    sleep 0.1
done
qemu_rc=0
wait "$qemu_pid" || qemu_rc=$?
qemu_pid=
t_end=$(date +%s.%N)
wait "${tail_pids[@]}" 2>/dev/null || true
tail_pids=()

if ! [ -s "$ctl/rc" ]; then
    log "the VM stopped without an exit status (qemu status $qemu_rc); qemu said:"
    cat "$ctl/qemu.out" >&2
    log "console:"
    tail -n 40 "$ctl/console.log" >&2
    exit 125
fi
rc=$(cat "$ctl/rc")
if [ "$rc" = 125 ] && ! [ -e "$ctl/started" ]; then
    log "VM setup failed; console:"
    tail -n 40 "$ctl/console.log" >&2
fi
if [ -n "$t_boot" ]; then
    awk -v s="$t_start" -v b="$t_boot" -v e="$t_end" -v rc="$rc" -v p="$PROG" \
        'BEGIN { printf "%s: boot+setup %.1f s, command+shutdown %.1f s, exit %d\n", p, b - s, e - b, rc }' >&2
fi
exit "$rc"

#!/bin/sh
# Installs every Debian package the project needs to build, test and run its
# demo. Idempotent and non-interactive; run as root on Debian 12.
set -eu

if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps.sh: run as root (apt-get needs it)" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive

PACKAGES="
    build-essential cmake pkg-config clang clang-format
    libclang-rt-14-dev
    libigraph-dev libjson-c-dev libcmocka-dev libmicrohttpd-dev curl jq
    libibverbs-dev librdmacm-dev libibumad-dev libibmad-dev libibnetdisc-dev
    libnl-3-dev libnl-route-3-dev
    ibsim-utils opensm infiniband-diags
    iproute2 procps time nftables
    openmpi-bin libopenmpi-dev libgloo-dev iperf3
    qemu-system-x86 busybox-static cpio kmod
    rdma-core ibverbs-providers ibverbs-utils rdmacm-utils perftest
    chromium
"

# Node.js and npm for the web view's browser test (tests/web): Debian's,
# unless a node with its npm is already there (e.g. NodeSource's package,
# which bundles npm and conflicts with Debian's npm).
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    PACKAGES="$PACKAGES nodejs npm"
fi

# Skip apt entirely when everything is already there: keeps reruns fast.
missing=""
for p in $PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
        missing="$missing $p"
done

if [ -n "$missing" ]; then
    apt-get update -q
    # shellcheck disable=SC2086
    apt-get install -y -q --no-install-recommends $missing
fi
echo "install-deps.sh: all packages present"

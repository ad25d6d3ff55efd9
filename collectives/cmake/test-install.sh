#!/bin/sh
# Installs fcoll into a temporary prefix and consumes it from outside the
# source tree, with pkg-config and with find_package; checks the SONAME and
# that the library exports fcoll_ symbols only.
# usage: test-install.sh BUILD_DIR CMAKE CC [EXTRA_FLAGS]
set -eu
build=$1 cmake=$2 cc=$3 flags=${4:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix

"$cmake" --install "$build" --component fcoll --prefix "$prefix" >/dev/null

lib=$(find "$prefix" -name 'libfcoll.so.*.*' | head -n 1)
[ -n "$lib" ] || { echo "FAIL no libfcoll.so.X.Y installed"; exit 1; }
libdir=$(dirname "$lib")
soname=$(objdump -p "$lib" | awk '$1 == "SONAME" { print $2 }')
case $soname in
libfcoll.so.[0-9]*) echo "ok   SONAME $soname" ;;
*) echo "FAIL SONAME '$soname'"; exit 1 ;;
esac
[ -e "$libdir/$soname" ] && [ -e "$libdir/libfcoll.so" ] || { echo "FAIL symlinks"; exit 1; }
[ -f "$prefix/include/fcoll.h" ] || { echo "FAIL header not installed"; exit 1; }

# Every defined dynamic symbol must be part of the API.
others=$(nm -D --defined-only "$lib" | awk '{ print $NF }' | grep -v '^fcoll_' || true)
if [ -n "$others" ]; then
    echo "FAIL symbols exported beyond fcoll_*:"
    echo "$others"
    exit 1
fi
echo "ok   exports: $(nm -D --defined-only "$lib" | grep -c ' fcoll_') fcoll_ symbols, nothing else"

# pkg-config, from a directory outside the tree.
export PKG_CONFIG_PATH="$libdir/pkgconfig"
mkdir "$tmp/pc"
cp "$(dirname "$0")/consumer/consumer.c" "$tmp/pc/"
# shellcheck disable=SC2046,SC2086
(cd "$tmp/pc" && "$cc" $flags consumer.c $(pkg-config --cflags --libs fcoll) \
    -Wl,-rpath,"$(pkg-config --variable=libdir fcoll)" -o consumer)
"$tmp/pc/consumer"
echo "ok   pkg-config build runs"

# find_package, configured with only the prefix to go on.
cp -r "$(dirname "$0")/consumer" "$tmp/cm-src"
"$cmake" -S "$tmp/cm-src" -B "$tmp/cm-build" -DCMAKE_PREFIX_PATH="$prefix" \
    -DCMAKE_C_COMPILER="$cc" -DCMAKE_C_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="$flags" >/dev/null
"$cmake" --build "$tmp/cm-build" >/dev/null
"$tmp/cm-build/consumer"
echo "ok   find_package build runs"

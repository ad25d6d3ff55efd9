#!/usr/bin/env bash
# Builds the project and runs every test: once in a normal build with
# warnings as errors, once under AddressSanitizer + UndefinedBehaviorSanitizer.
# Installs the Debian packages it needs first (as root).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
jobs=$(nproc)

if [ "$(id -u)" -eq 0 ]; then
    "$root/scripts/install-deps.sh"
else
    sudo "$root/scripts/install-deps.sh"
fi

run_suite() {
    local dir=$1
    shift
    cmake -S "$root" -B "$root/$dir" -DFM_WERROR=ON "$@" >/dev/null
    cmake --build "$root/$dir" -j "$jobs"
    (cd "$root/$dir" && ctest --output-on-failure -j "$jobs" --timeout 600)
}

echo "=== normal build (-Werror) ==="
run_suite build
echo "=== AddressSanitizer + UndefinedBehaviorSanitizer build ==="
run_suite build-asan -DFM_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug

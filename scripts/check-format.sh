#!/usr/bin/env bash
# Fails when a tracked C/C++ source is not formatted as .clang-format says.
# `scripts/check-format.sh -i` reformats them instead.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.c' '*.h' '*.cc' '*.cpp')
if [ "${1:-}" = "-i" ]; then
    clang-format -i "${files[@]}"
    exit 0
fi
if ! clang-format --dry-run --Werror "${files[@]}"; then
    echo "check-format: run scripts/check-format.sh -i" >&2
    exit 1
fi
echo "check-format: ${#files[@]} files follow .clang-format"

#!/bin/bash
# scripts/plot-bench.js on results of one run (fcoll-perf --json over shm and
# tcp, Gloo's ring all-reduce table, 2 ranks, in data/): an SVG with one
# curve per input, and a PNG when chromium is there. Skips (77) without node.
#   test_plot_bench.sh OUT_DIR
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$1
command -v node >/dev/null 2>&1 || { echo "SKIP: node is not installed" >&2; exit 77; }
mkdir -p "$OUT"
rm -f "$OUT/busbw.svg" "$OUT/busbw.png"
node "$HERE/../../scripts/plot-bench.js" -o "$OUT/busbw" -t "allreduce, 2 ranks (sample)" \
    "$HERE/data/fcoll-perf-shm.json" "$HERE/data/fcoll-perf-tcp.json" "$HERE/data/gloo-ring.txt"
curves=$(grep -c '<polyline' "$OUT/busbw.svg")
[ "$curves" -eq 3 ] || { echo "FAIL: $curves curves in busbw.svg, expected 3" >&2; exit 1; }
for label in "fcoll allreduce shm (2 ranks)" "fcoll allreduce tcp (2 ranks)" "gloo AllreduceRing"; do
    grep -qF "$label" "$OUT/busbw.svg" || { echo "FAIL: no \"$label\" in busbw.svg" >&2; exit 1; }
done
if command -v chromium >/dev/null 2>&1; then
    [ -s "$OUT/busbw.png" ] || { echo "FAIL: no busbw.png" >&2; exit 1; }
    echo "ok: $OUT/busbw.svg and busbw.png, 3 curves"
else
    echo "ok: $OUT/busbw.svg, 3 curves (no chromium: no PNG)"
fi

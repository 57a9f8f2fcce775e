#!/bin/sh
# Native gray kernels, microseconds per 1280x720 frame: the AreaResizer (bit-exact INTER_AREA to 84x84) and the
# limited-range luma expansion. Compiles tools/bench/native/resize_bench.cpp with the same flags as native/.
# usage: tools/bench/bench_resize.sh
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${BENCH_OUT:-/tmp/agentrnn-bench-resize}
mkdir -p "$out"
g++ -O2 -std=c++17 -ffp-contract=off -I/usr/include/opencv4 -I"$root/native" \
  "$root/tools/bench/native/resize_bench.cpp" "$root/native/area_resize.cpp" "$root/native/luma_range.cpp" \
  -lopencv_core -lopencv_imgproc -o "$out/resize_bench"
"$out/resize_bench"

#!/usr/bin/env bash
# Makes the GPU kit in OUT (default artifacts/gpu): `agent` published self-contained for linux-x64 (the GPU machine
# has no .NET), without OpenCV's native runtime (the GPU run uses `bench --model-only` and `bench --sequence`, which
# never decode video and, for the default model, never call OpenCV), packed as OUT/agent.tar.xz, next to
# gpu_bench.sh and torch_peer.py. The published folder is ~113 MiB (Orleans, Roslyn, SkiaSharp and Redis assemblies
# ship with the CLI), over the 64 MiB the device tool carries; packed with xz it is under half that. gpu_bench.sh
# unpacks it on the GPU machine (tar -xJ, or Python's tarfile where xz is not installed). Prints the kit's size and
# fails above 64 MiB.
#   tools/bench/gpu_publish.sh [OUT]
set -euo pipefail
cd "$(dirname "$0")/../.."
out="${1:-artifacts/gpu}"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
rm -rf "$out"
mkdir -p "$out"
dotnet publish Agent.Cli/Agent.Cli.csproj -c Release -r linux-x64 --self-contained true \
  -p:PublishReadyToRun=false -p:DebugType=none -p:GenerateDocumentationFile=false -o "$stage/agent" >/dev/null
# OpenCV (and the FFmpeg inside it) is loaded only to decode or write video, or to preprocess frames the managed
# code does not handle; OpenCvSharp's managed assembly stays (it is loaded lazily, only on those paths).
rm -f "$stage"/agent/libOpenCvSharpExtern.so "$stage"/agent/libopencv_*.so* "$stage"/agent/*.pdb
rm -rf "$stage"/agent/runtimes
unpacked=$(du -sm "$stage/agent" | cut -f1)
XZ_OPT="-9 -T0" tar -C "$stage" -cJf "$out/agent.tar.xz" agent
cp tools/bench/gpu_bench.sh tools/bench/torch_peer.py "$out/"
size=$(du -sm "$out" | cut -f1)
echo "published $out: ${size} MiB (agent.tar.xz; ${unpacked} MiB unpacked)"
if [ "$size" -ge 64 ]; then
  echo "error: $out is ${size} MiB, over the 64 MiB budget" >&2
  exit 1
fi

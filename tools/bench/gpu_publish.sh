#!/usr/bin/env bash
# Publishes `agent` self-contained for linux-x64 (the GPU machine has no .NET) into OUT (default artifacts/gpu),
# without OpenCV's native runtime: the GPU run uses `bench --model-only`, which never decodes video, and OpenCV's
# runtime alone would break the 64 MiB budget. Copies the bench scripts next to it and prints the size.
#   tools/bench/gpu_publish.sh [OUT]
set -euo pipefail
cd "$(dirname "$0")/../.."
out="${1:-artifacts/gpu}"
rm -rf "$out"
dotnet publish Agent.Cli/Agent.Cli.csproj -c Release -r linux-x64 --self-contained true \
  -p:PublishReadyToRun=false -p:DebugType=none -p:GenerateDocumentationFile=false -o "$out/agent" >/dev/null
# OpenCV (and the FFmpeg inside it) is loaded only to decode or write video.
rm -f "$out"/agent/libOpenCvSharpExtern.so "$out"/agent/libopencv_*.so* "$out"/agent/*.pdb
rm -rf "$out"/agent/runtimes
cp tools/bench/gpu_bench.sh tools/bench/torch_peer.py "$out/"
size=$(du -sm "$out" | cut -f1)
echo "published $out: ${size} MiB"
if [ "$size" -ge 64 ]; then
  echo "error: $out is ${size} MiB, over the 64 MiB budget" >&2
  exit 1
fi

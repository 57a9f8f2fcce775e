#!/bin/sh
# agent bench --precision bf16 against fp32 on the bench's default model, alternating:
#   A: agent bench --model-only --streams B --frames F --precision bf16 --json
#   B: the same with --precision fp32
# Each pair swaps which goes first; prints every pair (fps, frames per CPU-second) and the median ratios A/B.
# usage: tools/bench/ab_precision.sh [B] [F] [PAIRS]   (defaults: B=1, F=2000, 5 pairs). Builds unless AB_NO_BUILD=1.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
batch=${1:-1}
frames=${2:-2000}
pairs=${3:-5}
if [ "${AB_NO_BUILD:-0}" != 1 ]; then
  dotnet build -c Release "$root/Agent.Cli" >/dev/null
fi
python3 - "$root/Agent.Cli/bin/Release/net10.0/agent.dll" "$batch" "$frames" "$pairs" <<'PY'
import json, os, statistics, subprocess, sys
agent, batch, frames, pairs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
def run(precision):
    done = subprocess.run(["dotnet", agent, "bench", "--model-only", "--streams", batch, "--frames", frames, "--precision", precision, "--json"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        sys.exit(f"ab_precision.sh: agent bench --precision {precision} failed: {done.stderr.strip()}")
    return json.loads(done.stdout.strip().splitlines()[-1])
fps, cpu = [], []
for p in range(pairs):
    load = os.getloadavg()[0]
    if p % 2 == 0:
        a = run("bf16"); b = run("fp32")
    else:
        b = run("fp32"); a = run("bf16")
    fps.append(a["fps"] / b["fps"]); cpu.append((a["frames"] / a["cpu_s"]) / (b["frames"] / b["cpu_s"]))
    print(f"pair {p + 1} (load {load:.2f}): bf16 {a['fps']:.1f} fps ({a['frames'] / a['cpu_s']:.0f} per CPU-s, p50 {a['latency_ms']['p50']:.2f} ms), "
          f"fp32 {b['fps']:.1f} fps ({b['frames'] / b['cpu_s']:.0f} per CPU-s, p50 {b['latency_ms']['p50']:.2f} ms) -> {fps[-1]:.2f}x, per CPU-s {cpu[-1]:.2f}x", flush=True)
print(f"batch {batch}: bf16 / fp32 median {statistics.median(fps):.2f}x in fps, {statistics.median(cpu):.2f}x in frames per CPU-second over {pairs} pairs")
PY

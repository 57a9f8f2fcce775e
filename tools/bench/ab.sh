#!/bin/sh
# The issue's A/B protocol for the full model (NatureCNN 4x84x84 -> 512, LSTM 512 -> 256, actor 6, critic) at one batch:
#   A: agent bench --model-only --streams B --frames F --json        (ours: B streams batched per step, F frames in all)
#   B: tools/reference/bench_peer.py --batch B --frames F/B          (PyTorch on the CPU, all cores; its --frames counts
#                                                                      steps of B frames, so both run F frames)
# Runs alternate, and each pair swaps which side goes first. Prints every pair (frames/s, ratio, load average, the
# peer's CPU seconds and our GFLOP/s) and the median ratio over the pairs, as the last line.
# usage: tools/bench/ab.sh [B] [F] [PAIRS]   (defaults: B=1, F=2000·B capped at 12800, 3 pairs)
# Builds Agent.Cli in Release first unless AB_NO_BUILD=1.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
batch=${1:-1}
frames=${2:-$(( batch * 2000 > 12800 ? 12800 : batch * 2000 ))}
pairs=${3:-3}
if [ "$pairs" -lt 3 ]; then
  echo "ab.sh: the protocol needs at least 3 pairs, not $pairs" >&2
  exit 2
fi
if [ $(( frames % batch )) -ne 0 ] || [ "$frames" -lt "$batch" ]; then
  echo "ab.sh: F ($frames) must be a positive multiple of B ($batch)" >&2
  exit 2
fi
if [ "${AB_NO_BUILD:-0}" != 1 ]; then
  dotnet build -c Release "$root/Agent.Cli" >/dev/null
fi
agent="$root/Agent.Cli/bin/Release/net10.0/agent.dll"
python3 - "$agent" "$root/tools/reference/bench_peer.py" "$batch" "$frames" "$pairs" <<'PY'
import json, os, statistics, subprocess, sys
agent, peer, batch, frames, pairs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
def last_json(args):
    done = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        sys.exit(f"ab.sh: {' '.join(args)} failed ({done.returncode}): {done.stderr.strip()}")
    return json.loads(done.stdout.strip().splitlines()[-1])
ours = lambda: last_json(["dotnet", agent, "bench", "--model-only", "--streams", str(batch), "--frames", str(frames), "--json"])
theirs = lambda: last_json(["/usr/bin/python3", peer, "--batch", str(batch), "--frames", str(frames // batch)])
print(f"A/B at batch {batch}, {frames} frames a run, {pairs} pairs; {os.cpu_count()} CPUs")
ratios, ours_fps, peer_fps = [], [], []
for p in range(pairs):
    load = os.getloadavg()[0]
    if p % 2 == 0:
        a = ours(); b = theirs()
    else:
        b = theirs(); a = ours()
    ratio = a["fps"] / b["fps"]
    ratios.append(ratio); ours_fps.append(a["fps"]); peer_fps.append(b["fps"])
    print(f"pair {p + 1} ({'ours first' if p % 2 == 0 else 'peer first'}, load {load:.2f}): "
          f"ours {a['fps']:.1f} fps ({a.get('gflops', 0):.1f} GFLOP/s, {100 * a.get('peak_share', 0):.1f}% of peak, mean batch {a['mean_batch']:.1f}), "
          f"peer {b['fps']:.1f} fps (cpu {b['cpu_s']:.2f} s of {b['seconds']:.2f} s) -> {ratio:.2f}x", flush=True)
print(f"median ratio at batch {batch}: {statistics.median(ratios):.2f}x over {pairs} pairs "
      f"(ours median {statistics.median(ours_fps):.1f} fps, peer median {statistics.median(peer_fps):.1f} fps)")
PY

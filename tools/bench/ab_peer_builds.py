#!/usr/bin/env python3
"""A/B of two builds of our model in one harness: OrtPeer bench --engine ours, alternating pair by pair.

usage: ab_peer_builds.py A_DIR B_DIR MODEL.onnx PAIRS FRAMES [STREAMS]
A_DIR and B_DIR each hold a Release build of tools/bench/OrtPeer (copy bin/Release/net10.0 aside after building each
commit). Prints each pair (fps and p99 latency of both sides, B/A) and the median of the pair ratios with both
sides' median fps and p99. MODEL.onnx comes from tools/bench/ab_ort.sh (it is only opened, not run, by --engine ours).
"""
import json, statistics, subprocess, sys

if len(sys.argv) < 6:
    sys.exit(__doc__.strip().splitlines()[2])
a_dir, b_dir, onnx, pairs, frames = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
streams = sys.argv[6] if len(sys.argv) > 6 else "1"
if pairs < 3:
    sys.exit(f"ab_peer_builds.py: the protocol needs at least 3 pairs, not {pairs}")

def run(build):
    done = subprocess.run(["dotnet", f"{build}/OrtPeer.dll", "bench", "--onnx", onnx, "--streams", streams,
                           "--frames", frames, "--engine", "ours", "--threads", "2"], capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"ab_peer_builds.py: {build} failed ({done.returncode}): {done.stderr.strip()}")
    return json.loads(done.stdout.strip().splitlines()[-1])

ratios, fps_a, fps_b, p99_a, p99_b = [], [], [], [], []
for i in range(pairs):
    if i % 2 == 0:
        a = run(a_dir); b = run(b_dir)
    else:
        b = run(b_dir); a = run(a_dir)
    ratios.append(b["fps"] / a["fps"])
    fps_a.append(a["fps"]); fps_b.append(b["fps"])
    p99_a.append(a["latency_ms"]["p99"]); p99_b.append(b["latency_ms"]["p99"])
    print(f"pair {i}: A {a['fps']:.0f} fps p99 {a['latency_ms']['p99']} ms  B {b['fps']:.0f} fps p99 {b['latency_ms']['p99']} ms  B/A {ratios[-1]:.3f}", flush=True)
print(f"median B/A fps {statistics.median(ratios):.3f}; A {statistics.median(fps_a):.0f} fps, p99 {statistics.median(p99_a)} ms; "
      f"B {statistics.median(fps_b):.0f} fps, p99 {statistics.median(p99_b)} ms")

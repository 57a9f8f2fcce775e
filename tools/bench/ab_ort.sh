#!/bin/sh
# Ours against ONNX Runtime on the bench's model (NatureCNN 4x84x84 -> 512, LSTM 512 -> 256, actor 6, critic; the
# default model's seed-0 weights on both sides), stepped frame by frame with the LSTM state fed back:
#   A: agent bench --model-only --streams B --frames F --json          (ours, B streams batched per step)
#   B: OrtPeer bench --onnx model.onnx --streams B --frames F          (ONNX Runtime 1.31.1 through the C# OrtValue API,
#                                                                       2 intra-op threads, as ours runs on 2 threads)
# The model goes ours -> safetensors (OrtPeer write-model) -> the PyTorch twin -> ONNX (tools/reference/export_onnx.py,
# opset 14, dynamic batch), and OrtPeer check first confirms that ORT's probabilities, values, h and c equal ours
# within 1e-4 over 64 steps, so both sides run the same model.
# Runs alternate, each pair swapping which side goes first; for every batch it prints each pair (fps, p50/p99
# latency, load average) and the median ratio ours/ORT, with both sides' median p50 and p99.
# agent bench's latency runs through its pipeline (source, model and sink threads); at batch 1 the script also times
# both models' steps in one harness (OrtPeer bench --engine ours|ort, same loop and frames) for latencies measured
# the same way, and prints their medians.
# usage: tools/bench/ab_ort.sh [PAIRS] [BATCH...]    (defaults: 5 pairs; batches 1 64 256)
# Builds Agent.Cli and tools/bench/OrtPeer in Release first unless AB_NO_BUILD=1; work files go to $ORT_DIR
# (default /tmp/agentrnn-ort). Needs Debian's python3-torch for the export.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
pairs=${1:-5}
[ $# -gt 0 ] && shift
batches=${*:-1 64 256}
if [ "$pairs" -lt 3 ]; then
  echo "ab_ort.sh: the protocol needs at least 3 pairs, not $pairs" >&2
  exit 2
fi
work=${ORT_DIR:-/tmp/agentrnn-ort}
mkdir -p "$work"
if [ "${AB_NO_BUILD:-0}" != 1 ]; then
  dotnet build -c Release "$root/Agent.Cli" >/dev/null
  dotnet build -c Release "$root/tools/bench/OrtPeer" >/dev/null
fi
agent="$root/Agent.Cli/bin/Release/net10.0/agent.dll"
peer="$root/tools/bench/OrtPeer/bin/Release/net10.0/OrtPeer.dll"
dotnet "$peer" write-model "$work/model.safetensors" >/dev/null
(cd "$root/tools/reference" && /usr/bin/python3 export_onnx.py "$work/model.safetensors" "$work/model.onnx" 2>/dev/null)
dotnet "$peer" check --onnx "$work/model.onnx"
python3 - "$agent" "$peer" "$work/model.onnx" "$pairs" $batches <<'PY'
import json, os, statistics, subprocess, sys
agent, peer, onnx, pairs, batches = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), [int(b) for b in sys.argv[5:]]
def last_json(args):
    done = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        sys.exit(f"ab_ort.sh: {' '.join(args)} failed ({done.returncode}): {done.stderr.strip()}")
    return json.loads(done.stdout.strip().splitlines()[-1])
summary = []
for batch in batches:
    frames = max(2000, min(12800, batch * 100)) // batch * batch
    ours = lambda: last_json(["dotnet", agent, "bench", "--model-only", "--streams", str(batch), "--frames", str(frames), "--json"])
    theirs = lambda: last_json(["dotnet", peer, "bench", "--onnx", onnx, "--streams", str(batch), "--frames", str(frames)])
    print(f"A/B at batch {batch}, {frames} frames a run, {pairs} pairs; {os.cpu_count()} CPUs", flush=True)
    ratios, a_all, b_all = [], [], []
    for p in range(pairs):
        load = os.getloadavg()[0]
        if p % 2 == 0:
            a = ours(); b = theirs()
        else:
            b = theirs(); a = ours()
        ratio = a["fps"] / b["fps"]
        ratios.append(ratio); a_all.append(a); b_all.append(b)
        print(f"pair {p + 1} ({'ours first' if p % 2 == 0 else 'ORT first'}, load {load:.2f}): "
              f"ours {a['fps']:.1f} fps (p50 {a['latency_ms']['p50']:.2f} ms, p99 {a['latency_ms']['p99']:.2f} ms, "
              f"cpu {a.get('cpu_s', 0):.2f} s of {a['seconds']:.2f} s, {a.get('gflops', 0):.1f} GFLOP/s, {100 * a.get('peak_share', 0):.1f}% of {a.get('peak_gflops', 0):.0f}), "
              f"ORT {b['fps']:.1f} fps (p50 {b['latency_ms']['p50']:.2f} ms, p99 {b['latency_ms']['p99']:.2f} ms, cpu {b['cpu_s']:.2f} s of {b['seconds']:.2f} s) "
              f"-> {ratio:.2f}x", flush=True)
    med = lambda runs, key: statistics.median(r[key] for r in runs)
    lat = lambda runs, q: statistics.median(r["latency_ms"][q] for r in runs)
    per_cpu = [x["frames"] / x["cpu_s"] / (y["frames"] / y["cpu_s"]) for x, y in zip(a_all, b_all) if x.get("cpu_s") and y.get("cpu_s")]
    line = (f"batch {batch}: median ratio {statistics.median(ratios):.2f}x over {pairs} pairs "
            f"(frames per CPU-second {statistics.median(per_cpu) if per_cpu else 0:.2f}x) "
            f"(ours {med(a_all, 'fps'):.1f} fps, p50 {lat(a_all, 'p50'):.2f} ms, p99 {lat(a_all, 'p99'):.2f} ms; "
            f"ORT {med(b_all, 'fps'):.1f} fps, p50 {lat(b_all, 'p50'):.2f} ms, p99 {lat(b_all, 'p99'):.2f} ms)")
    print(line, flush=True)
    summary.append(line)
    if batch == 1:
        harness = lambda engine: last_json(["dotnet", peer, "bench", "--onnx", onnx, "--streams", "1", "--frames", str(frames), "--engine", engine])
        o_all, r_all = [], []
        for p in range(pairs):
            if p % 2 == 0:
                o = harness("ours"); r = harness("ort")
            else:
                r = harness("ort"); o = harness("ours")
            o_all.append(o); r_all.append(r)
            print(f"step latency pair {p + 1}: ours p50 {o['latency_ms']['p50']:.3f} ms, p99 {o['latency_ms']['p99']:.3f} ms ({o['fps']:.1f} fps); "
                  f"ORT p50 {r['latency_ms']['p50']:.3f} ms, p99 {r['latency_ms']['p99']:.3f} ms ({r['fps']:.1f} fps)", flush=True)
        line = (f"batch 1 step latency in one harness, medians over {pairs} pairs: ours p50 {lat(o_all, 'p50'):.3f} ms, p99 {lat(o_all, 'p99'):.3f} ms, "
                f"{med(o_all, 'fps'):.1f} fps; ORT p50 {lat(r_all, 'p50'):.3f} ms, p99 {lat(r_all, 'p99'):.3f} ms, {med(r_all, 'fps'):.1f} fps")
        print(line, flush=True)
        summary.append(line)
print("summary:")
for line in summary:
    print("  " + line)
PY

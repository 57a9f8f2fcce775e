#!/usr/bin/env bash
# The GPU run, in one script (GPU time is scarce: run it once). From the folder gpu_publish.sh made:
#   ./gpu_bench.sh [BACKEND] [STREAMS...]        default: cuda 1 64 1024 8192
# The first run unpacks agent.tar.xz next to itself (tar -xJ, or Python's tarfile where xz is not installed).
# For each stream count: `agent bench --backend BACKEND --model-only` (the default model, NatureCNN 4x84x84 ->
# LSTM 512->256 -> 6 actions + value, random weights) and the same model and batch in PyTorch eager (torch_peer.py,
# CUDA when BACKEND is cuda, else CPU), then the LSTM's whole-sequence throughput (`agent bench --sequence` and
# torch_peer.py --sequence). One JSON line per measurement goes
# to results.jsonl; a table is printed at the end. Test it on the CPU accelerator first:
#   ./gpu_bench.sh ilgpu-cpu 1 4
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
agent="$here/agent/agent"
if [ ! -x "$agent" ] && [ -f "$here/agent.tar.xz" ]; then
  if command -v xz >/dev/null; then
    tar -C "$here" -xJf "$here/agent.tar.xz"
  else
    python3 -c 'import sys, tarfile; t = tarfile.open(sys.argv[1]); t.extractall(sys.argv[2], **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))' "$here/agent.tar.xz" "$here"
  fi || { echo "error: could not unpack $here/agent.tar.xz" >&2; exit 1; }
fi
[ -x "$agent" ] || agent="dotnet run --project $here/../../Agent.Cli -c Release --"
backend="${1:-cuda}"
shift || true
streams=("$@")
[ ${#streams[@]} -gt 0 ] || streams=(1 64 1024 8192)
device=cpu
[ "$backend" = "cuda" ] && device=cuda
results="$here/results.jsonl"
: > "$results"
$agent devices --json | tail -n 1 | sed 's/^/{"devices_line": true, "value": /; s/$/}/' >> "$results"
for n in "${streams[@]}"; do
  # At least 8 steps of every stream, and at least 2,048 frames, so the timing is not all warm-up.
  frames=$(( n * 8 > 2048 ? n * 8 : 2048 ))
  [ "$backend" = "ilgpu-cpu" ] && frames=$(( n * 4 ))
  line=$($agent bench --backend "$backend" --model-only --streams "$n" --frames "$frames" --json 2>/tmp/agent_bench_err | tail -n 1)
  if [ -z "$line" ]; then
    echo "{\"impl\": \"agentrnn\", \"backend\": \"$backend\", \"streams\": $n, \"error\": \"$(tr -d '"\n' < /tmp/agent_bench_err | cut -c1-300)\"}" >> "$results"
  else
    echo "{\"impl\": \"agentrnn\", \"backend\": \"$backend\", \"streams\": $n, \"report\": $line}" >> "$results"
  fi
  steps=$(( frames / n ))
  [ "$steps" -lt 4 ] && steps=4
  python3 "$here/torch_peer.py" --device "$device" --streams "$n" --steps "$steps" >> "$results" || \
    echo "{\"impl\": \"torch\", \"streams\": $n, \"error\": \"torch_peer failed\"}" >> "$results"
done
# LSTM whole-sequence throughput (steps x streams / s): the model's core on the device, and nn.LSTM on the same shape.
seq=256; seq_streams=64
[ "$backend" = "ilgpu-cpu" ] && seq=2 && seq_streams=2
line=$($agent bench --backend "$backend" --sequence "$seq" --streams "$seq_streams" --json 2>/tmp/agent_bench_err | tail -n 1)
if [ -z "$line" ]; then
  echo "{\"impl\": \"agentrnn\", \"backend\": \"$backend\", \"sequence\": $seq, \"streams\": $seq_streams, \"error\": \"$(tr -d '"\n' < /tmp/agent_bench_err | cut -c1-300)\"}" >> "$results"
else
  echo "{\"impl\": \"agentrnn\", \"backend\": \"$backend\", \"sequence\": $seq, \"streams\": $seq_streams, \"report\": $line}" >> "$results"
fi
python3 "$here/torch_peer.py" --device "$device" --sequence "$seq" --streams "$seq_streams" >> "$results" || true
python3 - "$results" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print(f"{'impl':<10} {'backend':<10} {'streams':>7} {'fps':>12}")
for r in rows:
    if r.get("devices_line"):
        print("devices:", json.dumps(r["value"]))
        continue
    fps = r.get("report", {}).get("fps") if "report" in r else r.get("fps")
    what = r.get("backend", r.get("device", ""))
    extra = f" sequence T={r['sequence']}" if "sequence" in r else ""
    err = f"  error: {r['error']}" if "error" in r else ""
    print(f"{r['impl']:<10} {what:<10} {r.get('streams', ''):>7} {fps if fps is not None else '-':>12}{extra}{err}")
PY
echo "results: $results"

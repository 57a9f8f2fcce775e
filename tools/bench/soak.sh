#!/bin/sh
# Memory soak: runs `agent bench --model-only --streams S --frames F --json` and samples its resident set every
# INTERVAL seconds (ps -o rss=) into OUT/rss.tsv (elapsed seconds, RSS KiB); the bench's output goes to OUT/bench.txt.
# Ends by printing the first, middle and last samples, the minimum and maximum, and the bench's JSON line.
# usage: tools/bench/soak.sh [S] [F] [OUT] [INTERVAL]   (defaults: 64 streams, 1,000,000 frames, /tmp/agentrnn-soak, 10 s)
# Builds Agent.Cli in Release first unless SOAK_NO_BUILD=1. Run it under nohup for long soaks.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
streams=${1:-64}
frames=${2:-1000000}
out=${3:-/tmp/agentrnn-soak}
interval=${4:-10}
if [ "${SOAK_NO_BUILD:-0}" != 1 ]; then
  dotnet build -c Release "$root/Agent.Cli" >/dev/null
fi
mkdir -p "$out"
dotnet "$root/Agent.Cli/bin/Release/net10.0/agent.dll" bench --model-only --streams "$streams" --frames "$frames" --json >"$out/bench.txt" 2>&1 &
pid=$!
start=$(date +%s)
printf 'seconds\trss_kib\n' >"$out/rss.tsv"
# The first sample comes one interval in, once the runtime has loaded and the model is built.
while sleep "$interval" && kill -0 "$pid" 2>/dev/null; do
  rss=$(ps -o rss= -p "$pid" 2>/dev/null | tr -d ' ' || true)
  if [ -n "$rss" ]; then
    printf '%s\t%s\n' "$(( $(date +%s) - start ))" "$rss" >>"$out/rss.tsv"
  fi
done
wait "$pid"
python3 - "$out/rss.tsv" <<'PY'
import sys
rows = [tuple(map(int, line.split("\t"))) for line in open(sys.argv[1]).read().splitlines()[1:]]
if not rows:
    sys.exit("soak: no RSS samples (the run ended before the first one)")
pick = {"first": rows[0], "middle": rows[len(rows) // 2], "last": rows[-1]}
print("; ".join(f"{k} {s} s {r / 1024:.1f} MiB" for k, (s, r) in pick.items()) +
      f"; min {min(r for _, r in rows) / 1024:.1f} MiB, max {max(r for _, r in rows) / 1024:.1f} MiB over {len(rows)} samples")
PY
tail -n 1 "$out/bench.txt"

#!/bin/sh
# `agent label` against its two yardsticks (issue 12), whole processes, alternating A B A B, medians of the ratios:
#   default:  agent label VIDEO --model M           vs  /usr/bin/python3 tools/bench/cv2_loop.py VIDEO (no model)
#   luma:     agent label VIDEO --model M --gray luma  vs  ffmpeg -i VIDEO -vf scale=84:84:flags=area,format=gray -f rawvideo -
# Prints each pair's wall seconds and A/B, then the median A/B per target (below 1: label is faster); the targets are
# default ≤ 0.5 (2× the Python loop) and luma ≤ 1/0.95.
# usage: tools/bench/bench_label.sh MODEL [VIDEO] [PAIRS]   (default: a 60 s 1280x720 H.264 testsrc2 clip, 5 pairs)
# Builds Agent.Cli in Release first unless BENCH_NO_BUILD=1.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
model=$1
video=${2:-/tmp/agentrnn-v720_60.mp4}
pairs=${3:-5}
if [ ! -f "$video" ]; then
  ffmpeg -v error -y -f lavfi -i testsrc2=size=1280x720:rate=30 -t 60 -c:v libx264 -pix_fmt yuv420p "$video"
fi
if [ "${BENCH_NO_BUILD:-0}" != 1 ]; then
  dotnet build -c Release "$root/Agent.Cli" >/dev/null
fi
agent="$root/Agent.Cli/bin/Release/net10.0/agent"
python3 - "$agent" "$model" "$video" "$pairs" "$root/tools/bench/cv2_loop.py" <<'PY'
import statistics, subprocess, sys, time
agent, model, video, pairs, loop = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
def wall(args):
    start = time.monotonic()
    subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.monotonic() - start
label = [agent, "label", video, "--model", model, "--out", "/tmp/agentrnn-bench-rows.jsonl"]
targets = {
    "default": (label, ["/usr/bin/python3", loop, video]),
    "luma": (label + ["--gray", "luma"], ["ffmpeg", "-v", "error", "-i", video, "-vf", "scale=84:84:flags=area,format=gray",
                                          "-f", "rawvideo", "-y", "/dev/null"]),
}
for name, (a, b) in targets.items():
    ratios = []
    for p in range(pairs):
        ta, tb = wall(a), wall(b)
        ratios.append(ta / tb)
        print(f"{name} pair {p + 1}: label {ta:.2f} s, peer {tb:.2f} s, A/B {ta / tb:.3f}")
    print(f"{name}: median A/B {statistics.median(ratios):.3f} (label's speed {1 / statistics.median(ratios):.2f}x the peer's)")
PY

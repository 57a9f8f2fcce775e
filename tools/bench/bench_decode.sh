#!/bin/sh
# Decoding throughput of the gray pipeline against ffmpeg, whole processes, alternating runs:
#   A: ffmpeg -i VIDEO -vf scale=84:84:flags=area,format=gray -f rawvideo -      (the issue's yardstick)
#   B: VideoSource (gray, GrayConversion.Luma) + FramePreprocessor (INTER_AREA 84x84)  (bench_decode.cs luma)
#   C: the same with the default GrayConversion.CvtColor (OpenCV's BGR path)           (bench_decode.cs exact)
# Prints each run's frames/s and, per pair, B/A and C/A; reports the medians.
# usage: tools/bench/bench_decode.sh [VIDEO] [ROUNDS]   (default: a 20 s 1280x720 H.264 testsrc2 clip, 5 rounds)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
video=${1:-/tmp/agentrnn-v720.mp4}
rounds=${2:-5}
out=${BENCH_OUT:-/tmp/agentrnn-bench-decode}
if [ ! -f "$video" ]; then
  ffmpeg -v error -y -f lavfi -i testsrc2=size=1280x720:rate=30 -t 20 -c:v libx264 -pix_fmt yuv420p "$video"
fi
dotnet build -c Release "$here/bench_decode.cs" -o "$out" >/dev/null
python3 - "$out/bench_decode" "$video" "$rounds" <<'PY'
import statistics, subprocess, sys, time
bench, video, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
def timed(args, frames_of):
    start = time.monotonic()
    done = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=True)
    seconds = time.monotonic() - start
    return frames_of(done.stdout) / seconds
ffmpeg = ["ffmpeg", "-v", "error", "-i", video, "-vf", "scale=84:84:flags=area,format=gray", "-f", "rawvideo", "-"]
frames_ffmpeg = lambda out: len(out) // (84 * 84)
frames_bench = lambda out: int(out.split()[1])
runs = {"ffmpeg": [], "luma": [], "exact": []}
for r in range(rounds):
    a = timed(ffmpeg, frames_ffmpeg)
    b = timed([bench, video, "luma"], frames_bench)
    c = timed([bench, video, "exact"], frames_bench)
    runs["ffmpeg"].append(a); runs["luma"].append(b); runs["exact"].append(c)
    print(f"round {r + 1}: ffmpeg {a:.1f} fps, luma {b:.1f} fps ({b / a:.3f}x), exact {c:.1f} fps ({c / a:.3f}x)")
ratio = lambda name: statistics.median(x / y for x, y in zip(runs[name], runs["ffmpeg"]))
print(f"median: ffmpeg {statistics.median(runs['ffmpeg']):.1f} fps, luma {statistics.median(runs['luma']):.1f} fps, "
      f"exact {statistics.median(runs['exact']):.1f} fps; luma/ffmpeg {ratio('luma'):.3f}, exact/ffmpeg {ratio('exact'):.3f}")
PY

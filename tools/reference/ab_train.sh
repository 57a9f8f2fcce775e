#!/usr/bin/env bash
# Training throughput, side by side: `agent train ppo` (C#) against tools/reference/train_ppo_lstm.py (CleanRL's
# ppo_atari_lstm algorithm in PyTorch), on the same served env (cue-memory, delay 6, 36x36 frames, 8 envs, same-step
# autoreset: one server, each run its own connection and envs), the same model (NatureCNN -> LSTM 128 -> actor/critic)
# and the same sample count and hyperparameters (CleanRL's defaults, learning rate 1e-3). Runs alternate C#, PyTorch,
# C#, ...; each run's steps/s is its own figure (env steps / seconds since its first reset, CleanRL's SPS); the medians
# and their ratio are printed, with each run's wall and CPU seconds (/usr/bin/time; the server's CPU is not in them).
#
#   tools/reference/ab_train.sh [ROUNDS (3)] [STEPS per run (4096)]
#
# Needs a Release build (dotnet build Agent.Cli -c Release), python3 for the server and Debian's /usr/bin/python3 with
# python3-torch, numpy and cv2 for the peer.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
rounds=${1:-3}
steps=${2:-4096}
agent="$root/Agent.Cli/bin/Release/net10.0/agent.dll"
[ -f "$agent" ] || { echo "ab_train.sh: $agent is missing; run: dotnet build Agent.Cli -c Release" >&2; exit 2; }
work=$(mktemp -d)
server_pid=
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
python3 "$root/envs/serve.py" --env samples.cue_memory:make --env-kwargs '{"delay": 6, "height": 36, "width": 36}' \
    --num-envs 8 --port 0 --autoreset same-step --quiet > "$work/server.out" 2> "$work/server.err" &
server_pid=$!
for _ in $(seq 100); do grep -q "listening on" "$work/server.out" 2>/dev/null && break; sleep 0.2; done
addr=$(sed -n 's/^listening on //p' "$work/server.out" | head -1)
[ -n "$addr" ] || { echo "ab_train.sh: the env server did not start: $(cat "$work/server.err")" >&2; exit 1; }
echo "env server $addr; $rounds rounds of $steps env steps each; $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
cs=(); py=()
for r in $(seq "$rounds"); do
    rm -f "$work"/cs.*
    /usr/bin/time -f "%e %U %S" -o "$work/cs.time" dotnet "$agent" train ppo --env "$addr" --out "$work/cs.safetensors" \
        --frame-size 36 --total-steps "$steps" --learning-rate 1e-3 --save-every 100000 > /dev/null 2> "$work/cs.err" \
        || { cat "$work/cs.err" >&2; exit 1; }
    c=$(tail -1 "$work/cs.csv" | cut -d, -f4)
    read -r cw cu csy < "$work/cs.time"
    /usr/bin/time -f "%e %U %S" -o "$work/py.time" /usr/bin/python3 "$root/tools/reference/train_ppo_lstm.py" --env "$addr" \
        --total-timesteps "$steps" --learning-rate 1e-3 > "$work/py.out" 2> "$work/py.err" || { cat "$work/py.err" >&2; exit 1; }
    p=$(sed -n 's/^steps_per_second \([0-9.]*\).*/\1/p' "$work/py.out")
    read -r pw pu psy < "$work/py.time"
    echo "round $r: C# $c steps/s (wall ${cw}s, cpu $(echo "$cu + $csy" | bc)s)  PyTorch $p steps/s (wall ${pw}s, cpu $(echo "$pu + $psy" | bc)s; $(sed -n 's/.*torch_threads \([0-9]*\).*/\1/p' "$work/py.out") torch thread(s))"
    cs+=("$c"); py+=("$p")
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
mc=$(median "${cs[@]}"); mp=$(median "${py[@]}")
echo "median: C# $mc steps/s, PyTorch $mp steps/s, ratio $(echo "scale=2; $mc / $mp" | bc)x; load after $(cut -d' ' -f1-3 /proc/loadavg)"

#!/usr/bin/env bash
# BENCHMARKS.md figures of issue 16: agent steps per second through 1 and 2 `agent silo`s, mean batch, Act p50/p99 and
# Redis writes per second, with persistence every step and every PERSIST ms. Each configuration gets fresh silos
# over one redis-server; ROUNDS rounds alternate the configurations (A/B/C/D, A/B/C/D, ...) so load drifts hit all.
# Usage: tools/cluster/bench.sh [AGENTS] [STEPS] [PERSIST_MS] [ROUNDS]; prints one JSON line per run, tagged.
set -euo pipefail
cd "$(dirname "$0")/../.."
agents=${1:-500}; steps=${2:-10}; persist_ms=${3:-500}; rounds=${4:-1}
out=${OUT:-$(mktemp -d)}; mkdir -p "$out"
agent=${AGENT:-Agent.Cli/bin/Release/net10.0/agent}
[ -x "$agent" ] || { echo "error: build the CLI first: dotnet build Agent.Cli -c Release" >&2; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$out" --loglevel warning >"$out/redis.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
first=0
run() { # silos persist_ms tag
  local n=$1 persist=$2 tag=$3 gateways="" silo_pids=()
  for i in $(seq "$n"); do
    local s g; s=$(free_port); g=$(free_port)
    "$agent" silo --redis "127.0.0.1:$redis_port" --silo-port "$s" --gateway-port "$g" --persist-interval-ms "$persist" >"$out/$tag-silo$i.log" 2>&1 &
    silo_pids+=($!); pids+=($!)
    gateways="${gateways:+$gateways,}127.0.0.1:$g"
  done
  for i in $(seq "$n"); do
    for _ in $(seq 600); do grep -q "silo ready" "$out/$tag-silo$i.log" && break; sleep 0.2; done
  done
  local json
  json=$("$agent" cluster-bench --gateway "$gateways" --agents "$agents" --steps "$steps" --first-agent "$first" --redis "127.0.0.1:$redis_port" --json | tail -n 1)
  echo "{\"run\":\"$tag\",\"silos\":$n,\"persist_ms\":$persist,\"result\":$json}"
  first=$((first + agents))
  for p in "${silo_pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
}
for r in $(seq "$rounds"); do
  run 1 0 "r$r-1silo-every-step"
  run 2 0 "r$r-2silos-every-step"
  run 2 "$persist_ms" "r$r-2silos-every-${persist_ms}ms"
  run 1 "$persist_ms" "r$r-1silo-every-${persist_ms}ms"
done

#!/usr/bin/env bash
# Failover check of issue 16: redis-server + two `agent silo` + `agent cluster-bench --agents N`, with the second silo
# SIGKILLed mid-run; the run must end with state_errors 0 (every agent's actions equal the model stepped in-process).
# Usage: tools/cluster/failover.sh [AGENTS] [STEPS] [PERSIST_INTERVAL_MS] [KILL_AFTER_S]
# Everything listens on loopback, on free ports; logs and the JSON line go to $OUT (default a temporary folder).
# AGENT (default: the built Release agent, else Debug) runs the CLI.
set -euo pipefail
cd "$(dirname "$0")/../.."
agents=${1:-2000}; steps=${2:-20}; persist=${3:-0}; kill_after=${4:-8}
out=${OUT:-$(mktemp -d)}
mkdir -p "$out"
agent=${AGENT:-}
if [ -z "$agent" ]; then
  for c in Agent.Cli/bin/Release/net10.0/agent Agent.Cli/bin/Debug/net10.0/agent; do
    [ -x "$c" ] && { agent=$c; break; }
  done
fi
[ -n "$agent" ] || { echo "error: build the CLI first: dotnet build Agent.Cli -c Release" >&2; exit 1; }
command -v redis-server >/dev/null || { echo "error: redis-server is missing: apt-get install redis-server" >&2; exit 1; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$out" --loglevel warning >"$out/redis.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done

s1=$(free_port); g1=$(free_port); s2=$(free_port); g2=$(free_port)
"$agent" silo --redis "127.0.0.1:$redis_port" --silo-port "$s1" --gateway-port "$g1" --persist-interval-ms "$persist" >"$out/silo1.log" 2>&1 &
pids+=($!)
"$agent" silo --redis "127.0.0.1:$redis_port" --silo-port "$s2" --gateway-port "$g2" --persist-interval-ms "$persist" >"$out/silo2.log" 2>&1 &
victim=$!
pids+=($victim)
for log in "$out/silo1.log" "$out/silo2.log"; do
  for _ in $(seq 600); do grep -q "silo ready" "$log" && break; sleep 0.2; done
  grep -q "silo ready" "$log" || { echo "error: a silo did not start; see $log" >&2; cat "$log" >&2; exit 1; }
done
echo "redis 127.0.0.1:$redis_port, silos $g1 and $g2 ready; bench $agents agents x $steps steps, persist interval ${persist} ms; SIGKILL of silo 2 after ${kill_after} s"

"$agent" cluster-bench --gateway "127.0.0.1:$g1,127.0.0.1:$g2" --agents "$agents" --steps "$steps" --redis "127.0.0.1:$redis_port" --json >"$out/bench.log" 2>&1 &
bench=$!
sleep "$kill_after"
if kill -0 "$bench" 2>/dev/null; then
  kill -9 "$victim"
  echo "killed silo 2 (pid $victim) at $(date -u +%T)"
else
  echo "warning: the bench ended before the kill; raise STEPS" >&2
fi
status=0
wait "$bench" || status=$?
cat "$out/bench.log"
json=$(tail -n 1 "$out/bench.log")
echo "$json" >"$out/result.json"
case "$json" in
  *'"state_errors":0,'*) [ "$status" -eq 0 ] && { echo "failover: state_errors 0 (logs in $out)"; exit 0; } ;;
esac
echo "failover: FAILED (exit $status; logs in $out)" >&2
exit 1

#!/usr/bin/env bash
# Builds samples/GameLoop the way a game developer would: from the AgentRnn packages, not the repository's projects.
# 1. packs the libraries into artifacts/packages with a fresh version (so no stale package cache can answer),
# 2. publishes the net8.0 sample self-contained for linux-x64 (it runs on the .NET 8 runtime, whatever SDK built it),
#    restoring AgentRnn.* from that local feed (samples/nuget.config),
# 3. runs it. Exit status: the sample's (non-zero when a check in it fails). Used by .ci/run.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
version="0.1.0-local.$(date -u +%Y%m%d%H%M%S)"
feed="$root/artifacts/packages"
mkdir -p "$feed"
echo "samples: packing AgentRnn $version into artifacts/packages" >&2
for project in Agent.Core Agent.Memory Agent.Vision Agent.Host; do
  dotnet pack "$root/$project/$project.csproj" -c Release -p:Version="$version" -o "$feed" -v quiet --nologo >/dev/null
done
out="$root/artifacts/samples/GameLoop"
echo "samples: publishing GameLoop (net8.0, linux-x64, self-contained) against the packages" >&2
dotnet publish "$root/samples/GameLoop/GameLoop.csproj" -c Release -r linux-x64 --self-contained \
  -p:AgentRnnVersion="$version" -o "$out" -v quiet --nologo >/dev/null
"$out/GameLoop" "$@"

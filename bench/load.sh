#!/usr/bin/env bash
# Load: one host with every role (in process, storage requests counted per route) on a fresh, private Azurite,
# driven open-loop at a fixed arrival rate with mixed API calls; prints per-route p50/p99, 5xx and storage requests.
#   bench/load.sh [--rate R] [--seconds S]   (defaults 200 requests/s for 60 s). See bench/README.md, "Load".
# AZURITE_PORTS="B Q T" picks Azurite's ports (e.g. a range of your own on a shared machine); free ones otherwise.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/azurite.sh
source scripts/azurite.sh

export DOTNET_NOLOGO=1
work="$(mktemp -d "${TMPDIR:-/tmp}/clienthub-load.XXXXXX")"
cleanup() {
  azurite_stop
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

azurite_ensure_installed
dotnet build bench/ClientHub.Bench/ClientHub.Bench.csproj -c Release -v quiet -nologo

read -r blob_port queue_port table_port < <(if [[ -n "${AZURITE_PORTS:-}" ]]; then echo "$AZURITE_PORTS"; else azurite_free_ports 3; fi)
azurite_start "$work/azurite" "$blob_port" "$queue_port" "$table_port" "$work/azurite.log"
AzureWebJobsStorage="$(azurite_connection_string "$blob_port" "$queue_port" "$table_port")"
export AzureWebJobsStorage
echo "Azurite $(node -p 'require("./scripts/azurite/node_modules/azurite/package.json").version') on 127.0.0.1:$blob_port (blob), :$queue_port (queue), :$table_port (table)"

rc=0
dotnet bench/ClientHub.Bench/bin/Release/net10.0/ClientHub.Bench.dll load "$@" </dev/null || rc=$?
# Azurite's own CPU (setup included) tells whether the emulator, not the engine, was the bottleneck.
echo "Azurite CPU time over its whole life: $(ps -o times= -p "$AZURITE_PID" | tr -d ' ') s"
echo "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
exit "$rc"

#!/usr/bin/env bash
# Chaos: two host processes (A: http,queues; B: queues,timers) on one fresh, private Azurite, N jobs through a pipeline
# of every client-free automation kind while one instance at a time is SIGKILLed K times, then checks for stuck jobs,
# duplicate effects, inconsistent histories and poison messages. Bounded; stops by itself.
#   bench/chaos.sh [--jobs N] [--kills K] [--timeout-min M] [--seed S]   (defaults 1000 jobs, 20 kills, 30 min)
# AZURITE_PORTS="B Q T" picks Azurite's ports (e.g. a range of your own on a shared machine); free ones otherwise.
# Exit code non-zero on any violation. See bench/README.md, "Chaos".
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/azurite.sh
source scripts/azurite.sh

export DOTNET_NOLOGO=1
work="$(mktemp -d "${TMPDIR:-/tmp}/clienthub-chaos.XXXXXX")"
driver_pid=""
cleanup() {
  # The driver kills its hosts on the way out; if it was itself killed, its hosts' pids are in hosts.pids.
  if [[ -n "$driver_pid" ]]; then kill -KILL "$driver_pid" 2>/dev/null || true; fi
  if [[ -f "$work/logs/hosts.pids" ]]; then
    while read -r pid; do kill -KILL "$pid" 2>/dev/null || true; done <"$work/logs/hosts.pids"
  fi
  azurite_stop
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

azurite_ensure_installed
# One build of the host and the driver (the bench project references the host, so this builds both in Release).
dotnet build bench/ClientHub.Bench/ClientHub.Bench.csproj -c Release -v quiet -nologo

read -r blob_port queue_port table_port < <(if [[ -n "${AZURITE_PORTS:-}" ]]; then echo "$AZURITE_PORTS"; else azurite_free_ports 3; fi)
azurite_start "$work/azurite" "$blob_port" "$queue_port" "$table_port" "$work/azurite.log"
AzureWebJobsStorage="$(azurite_connection_string "$blob_port" "$queue_port" "$table_port")"
export AzureWebJobsStorage
CLIENTHUB_HOST_DLL="$PWD/functions/ClientHub.Functions/bin/Release/net10.0/ClientHub.Functions.dll"
export CLIENTHUB_HOST_DLL
echo "Azurite on 127.0.0.1:$blob_port (blob), :$queue_port (queue), :$table_port (table); $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GB"

mkdir -p "$work/logs"
rc=0
dotnet bench/ClientHub.Bench/bin/Release/net10.0/ClientHub.Bench.dll chaos --logs "$work/logs" "$@" </dev/null &
driver_pid=$!
wait "$driver_pid" || rc=$?
driver_pid=""
echo "Azurite CPU time over its whole life: $(ps -o times= -p "$AZURITE_PID" | tr -d ' ') s"
if ((rc != 0)); then
  # The hosts' logs are the evidence of a violation: keep them outside the work directory the trap removes.
  kept="$(mktemp -d "${TMPDIR:-/tmp}/clienthub-chaos-logs.XXXXXX")"
  cp "$work/logs/"*.log "$kept/" 2>/dev/null || true
  echo "Host logs kept in $kept"
fi
exit "$rc"

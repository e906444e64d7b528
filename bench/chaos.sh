#!/usr/bin/env bash
# Chaos: two host processes (A: http,queues; B: queues,timers) on one fresh, private Azurite, N jobs through a pipeline
# of every client-free automation kind while one instance at a time is SIGKILLed K times, then checks for stuck jobs,
# duplicate effects, inconsistent histories and poison messages. Bounded; stops by itself.
#   bench/chaos.sh [--jobs N] [--kills K] [--timeout-min M] [--seed S]   (defaults 1000 jobs, 20 kills, 30 min)
# AZURITE_PORTS="B Q T" picks Azurite's ports (e.g. a range of your own on a shared machine); free ones otherwise.
# Exit code non-zero on any violation. See bench/README.md, "Chaos".
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=bench/common.sh
source bench/common.sh

driver_pid=""
# The driver kills its hosts on the way out; if it was itself killed, its hosts' pids are in hosts.pids.
kill_hosts() {
  if [[ -n "$driver_pid" ]]; then kill -KILL "$driver_pid" 2>/dev/null || true; fi
  if [[ -f "$work/logs/hosts.pids" ]]; then
    while read -r pid; do kill -KILL "$pid" 2>/dev/null || true; done <"$work/logs/hosts.pids"
  fi
}
bench_setup chaos
BENCH_CLEANUP+=(kill_hosts)
CLIENTHUB_HOST_DLL="$PWD/functions/ClientHub.Functions/bin/Release/net10.0/ClientHub.Functions.dll"
export CLIENTHUB_HOST_DLL

mkdir -p "$work/logs"
rc=0
dotnet "$BENCH_DLL" chaos --logs "$work/logs" "$@" </dev/null &
driver_pid=$!
wait "$driver_pid" || rc=$?
driver_pid=""
bench_report
if ((rc != 0)); then
  # The hosts' logs are the evidence of a violation: keep them outside the work directory the trap removes.
  kept="$(mktemp -d "${TMPDIR:-/tmp}/clienthub-chaos-logs.XXXXXX")"
  cp "$work/logs/"*.log "$kept/" 2>/dev/null || true
  echo "Host logs kept in $kept"
fi
exit "$rc"

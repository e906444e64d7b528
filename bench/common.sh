#!/usr/bin/env bash
# What every bench script does around its run: a work directory removed on exit, the pinned Azurite installed, the bench (and
# with it the host) built once in Release, a fresh Azurite started on free ports (or AZURITE_PORTS="B Q T") with
# AzureWebJobsStorage exported for it, and Azurite's CPU time reported at the end (the drivers print the load average).
# Sourced from the repository root: bench_setup <name>; ...; bench_report, or bench_run <mode> [args...], which does all of it
# for a driver that needs only the storage. The modes that run host processes and kill them (chaos, reminders) use
# bench_run_hosts <mode> [args...].

# shellcheck source=scripts/azurite.sh
source scripts/azurite.sh
export DOTNET_NOLOGO=1
BENCH_DLL="bench/ClientHub.Bench/bin/Release/net10.0/ClientHub.Bench.dll"

# Runs the hooks a script registered (in BENCH_CLEANUP, e.g. killing its hosts), then stops Azurite and removes the work directory.
bench_cleanup() {
  local hook
  for hook in "${BENCH_CLEANUP[@]}"; do "$hook" || true; done
  azurite_stop
  rm -rf "$work"
}

bench_setup() {
  work="$(mktemp -d "${TMPDIR:-/tmp}/clienthub-$1.XXXXXX")"
  BENCH_CLEANUP=()
  trap bench_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  azurite_ensure_installed
  dotnet build bench/ClientHub.Bench/ClientHub.Bench.csproj -c Release -v quiet -nologo
  local blob_port queue_port table_port
  read -r blob_port queue_port table_port < <(if [[ -n "${AZURITE_PORTS:-}" ]]; then echo "$AZURITE_PORTS"; else azurite_free_ports 3; fi)
  azurite_start "$work/azurite" "$blob_port" "$queue_port" "$table_port" "$work/azurite.log"
  AzureWebJobsStorage="$(azurite_connection_string "$blob_port" "$queue_port" "$table_port")"
  export AzureWebJobsStorage
  echo "Azurite $(node -p 'require("./scripts/azurite/node_modules/azurite/package.json").version') on 127.0.0.1:$blob_port (blob)," \
    ":$queue_port (queue), :$table_port (table); $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GB"
}

# Azurite's own CPU (setup included) tells whether the emulator, not the engine, was the bottleneck.
bench_report() {
  echo "Azurite CPU time over its whole life: $(ps -o times= -p "$AZURITE_PID" | tr -d ' ') s"
}

# Runs `ClientHub.Bench <mode> args...` (a driver that needs only the storage: load, queues) on a fresh Azurite; exits with
# the driver's code.
bench_run() {
  local mode="$1" rc=0
  shift
  bench_setup "$mode"
  dotnet "$BENCH_DLL" "$mode" "$@" </dev/null || rc=$?
  bench_report
  exit "$rc"
}

# Runs `ClientHub.Bench <mode> --logs DIR args...` (a driver that starts two host processes and kills them) on a fresh Azurite;
# exits with the driver's code. The driver kills its hosts on the way out; if it was itself killed, its hosts' pids are in
# hosts.pids, killed here. On failure the hosts' logs, the evidence, are kept outside the work directory the trap removes.
bench_run_hosts() {
  local mode="$1" rc=0 kept
  shift
  bench_setup "$mode"
  BENCH_DRIVER_PID=""
  BENCH_CLEANUP+=(bench_kill_hosts)
  CLIENTHUB_HOST_DLL="$PWD/functions/ClientHub.Functions/bin/Release/net10.0/ClientHub.Functions.dll"
  export CLIENTHUB_HOST_DLL
  mkdir -p "$work/logs"
  dotnet "$BENCH_DLL" "$mode" --logs "$work/logs" "$@" </dev/null &
  BENCH_DRIVER_PID=$!
  wait "$BENCH_DRIVER_PID" || rc=$?
  BENCH_DRIVER_PID=""
  bench_report
  if ((rc != 0)); then
    kept="$(mktemp -d "${TMPDIR:-/tmp}/clienthub-$mode-logs.XXXXXX")"
    cp "$work/logs/"*.log "$kept/" 2>/dev/null || true
    echo "Host logs kept in $kept"
  fi
  exit "$rc"
}

bench_kill_hosts() {
  if [[ -n "${BENCH_DRIVER_PID:-}" ]]; then kill -KILL "$BENCH_DRIVER_PID" 2>/dev/null || true; fi
  if [[ -f "$work/logs/hosts.pids" ]]; then
    while read -r pid; do kill -KILL "$pid" 2>/dev/null || true; done <"$work/logs/hosts.pids"
  fi
}

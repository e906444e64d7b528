# shellcheck shell=bash
# Azurite helper, sourced by scripts/run and scripts/test (not run on its own).
#
# Azurite is pinned in scripts/azurite/package.json + package-lock.json and installed next to them
# with `npm ci`, so every machine and CI run uses the same emulator. Only bash and node are used:
# a newcomer's machine is not assumed to have python, lsof, setsid or curl.
#
# Functions:
#   azurite_ensure_installed               npm ci when node_modules is missing or older than the lock
#   azurite_free_ports N                   prints N distinct free loopback TCP ports
#   azurite_start DIR BLOB QUEUE TABLE LOG starts Azurite in its own process group, waits for its ports
#   azurite_stop                           stops the Azurite this shell started (no-op otherwise)
#   azurite_connection_string BLOB QUEUE TABLE
#   azurite_port_open PORT                 true when something accepts connections on 127.0.0.1:PORT
#   azurite_is_azurite PORT                true when the blob endpoint on PORT is answered by Azurite

AZURITE_HOME="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/azurite"
AZURITE_BIN="$AZURITE_HOME/node_modules/.bin/azurite"
# The well-known development account key Azurite ships with; not a secret.
AZURITE_ACCOUNT_KEY="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
AZURITE_PID=""

azurite_ensure_installed() {
  # A copy of the lock taken after a successful install tells us whether node_modules matches the
  # committed lock (a pull that bumps Azurite must reinstall it). Comparing contents, not mtimes,
  # survives checkouts and copies.
  local stamp="$AZURITE_HOME/node_modules/.clienthub-installed-lock.json"
  if [[ -x "$AZURITE_BIN" && -f "$stamp" ]] && cmp -s "$AZURITE_HOME/package-lock.json" "$stamp"; then
    return 0
  fi
  if ! command -v npm >/dev/null 2>&1; then
    echo "error: npm was not found; install Node.js 20 or newer (it ships npm)." >&2
    return 1
  fi
  echo "Installing Azurite (npm ci in scripts/azurite) ..." >&2
  npm ci --no-audit --no-fund --loglevel=error --prefix "$AZURITE_HOME" >&2
  cp "$AZURITE_HOME/package-lock.json" "$stamp"
}

azurite_free_ports() {
  # Holds all N listeners open at once so the ports are distinct, then releases them. Another
  # process could grab one before Azurite binds it; azurite_start then fails loudly, never silently.
  node -e '
    const net = require("net");
    const n = Number(process.argv[1] || 1), servers = [];
    for (let i = 0; i < n; i++) {
      const s = net.createServer();
      s.listen(0, "127.0.0.1", () => {
        servers.push(s);
        if (servers.length === n) {
          console.log(servers.map(x => x.address().port).join(" "));
          servers.forEach(x => x.close());
        }
      });
    }' "${1:-1}"
}

azurite_port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

azurite_is_azurite() {
  # Azurite answers every request with a "Server: Azurite-Blob/<version>" header, even a 4xx.
  node -e '
    fetch(`http://127.0.0.1:${process.argv[1]}/devstoreaccount1?comp=list`, { signal: AbortSignal.timeout(3000) })
      .then(r => process.exit(/azurite/i.test(r.headers.get("server") || "") ? 0 : 1), () => process.exit(1));' "$1"
}

azurite_connection_string() {
  printf 'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=%s;BlobEndpoint=http://127.0.0.1:%s/devstoreaccount1;QueueEndpoint=http://127.0.0.1:%s/devstoreaccount1;TableEndpoint=http://127.0.0.1:%s/devstoreaccount1;' \
    "$AZURITE_ACCOUNT_KEY" "$1" "$2" "$3"
}

azurite_start() {
  local location="$1" blob="$2" queue="$3" table="$4" log="${5:-/dev/null}"
  mkdir -p "$location"
  # Job control gives Azurite its own process group: Ctrl-C in the terminal reaches only our
  # script, whose trap then stops Azurite in order, and azurite_stop can signal the whole group.
  # --disableTelemetry: besides not phoning home from dev and CI machines, Azurite's telemetry
  # client keeps the process alive after a SIGTERM has closed the servers.
  set -m
  "$AZURITE_BIN" --silent --location "$location" \
    --blobHost 127.0.0.1 --queueHost 127.0.0.1 --tableHost 127.0.0.1 \
    --blobPort "$blob" --queuePort "$queue" --tablePort "$table" \
    --skipApiVersionCheck --loose --disableTelemetry >>"$log" 2>&1 </dev/null &
  AZURITE_PID=$!
  set +m

  local deadline=$((SECONDS + 60)) port
  for port in "$blob" "$queue" "$table"; do
    until azurite_port_open "$port"; do
      if ! kill -0 "$AZURITE_PID" 2>/dev/null; then
        echo "error: Azurite exited before listening on port $port; its log ($log):" >&2
        tail -n 20 "$log" >&2 2>/dev/null || true
        AZURITE_PID=""
        return 1
      fi
      if ((SECONDS >= deadline)); then
        echo "error: Azurite did not listen on port $port within 60 s." >&2
        azurite_stop
        return 1
      fi
      sleep 0.2
    done
  done
}

azurite_stop() {
  [[ -n "$AZURITE_PID" ]] || return 0
  local pid="$AZURITE_PID" i
  AZURITE_PID=""
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 50; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL -- "-$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

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

bench_run_hosts chaos "$@"

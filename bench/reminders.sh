#!/usr/bin/env bash
# Reminders at scale: two host processes (A: http,queues; B: queues,timers) on one fresh, private Azurite, N jobs whose R requests
# each have one reminder a day later (one durable timer per job); once all are scheduled both instances restart with their test
# clock a day and an hour ahead, so every reminder is due in the same minute, and are woken while B is SIGKILLed K times. Checks
# that every contact got exactly one reminder of each request and that the poison queues are empty; prints the time to fire them
# all, their lateness and the raw Azurite queue rate with the timers waiting. Bounded.
#   bench/reminders.sh [--jobs N] [--requests R] [--kills K] [--timeout-min M] [--seed S]   (defaults 1000 jobs, 1 request, 5 kills, 30 min)
# AZURITE_PORTS="B Q T" picks Azurite's ports (e.g. a range of your own on a shared machine); free ones otherwise.
# Exit code non-zero on any violation. See bench/README.md, "Reminders at scale".
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=bench/common.sh
source bench/common.sh

bench_run_hosts reminders "$@"

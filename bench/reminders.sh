#!/usr/bin/env bash
# Reminders at scale: two host processes (A: http,queues; B: queues,timers) on one fresh, private Azurite, N jobs whose request
# has one reminder a day later; once all are scheduled both instances restart with their test clock a day and an hour ahead, so
# every reminder is due in the same minute, and are woken while B is SIGKILLed K times. Checks that every contact got exactly one
# reminder email and that the poison queues are empty; prints the time to fire them all and their lateness. Bounded.
#   bench/reminders.sh [--jobs N] [--kills K] [--timeout-min M] [--seed S]   (defaults 1000 jobs, 5 kills, 30 min)
# AZURITE_PORTS="B Q T" picks Azurite's ports (e.g. a range of your own on a shared machine); free ones otherwise.
# Exit code non-zero on any violation. See bench/README.md, "Reminders at scale".
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=bench/common.sh
source bench/common.sh

bench_run_hosts reminders "$@"

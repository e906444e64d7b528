#!/usr/bin/env bash
# What waiting durable timers cost Azurite: raw queue round trips/s (send, receive, delete; 16 in flight) on a fresh, private
# Azurite while 0, 1,000, 2,000, 5,000 and 10,000 invisible messages wait in another queue (a durable timer is one).
#   bench/queues.sh [--up-to N]   (default 10000). See bench/README.md, "Reminders at scale".
# AZURITE_PORTS="B Q T" picks Azurite's ports (e.g. a range of your own on a shared machine); free ones otherwise.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=bench/common.sh
source bench/common.sh
bench_run queues "$@"

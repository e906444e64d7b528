#!/usr/bin/env bash
# Load: one host with every role (in process, storage requests counted per route) on a fresh, private Azurite,
# driven open-loop at a fixed arrival rate with mixed API calls; prints per-route p50/p99, 5xx and storage requests.
#   bench/load.sh [--rate R] [--seconds S]   (defaults 200 requests/s for 60 s). See bench/README.md, "Load".
# AZURITE_PORTS="B Q T" picks Azurite's ports (e.g. a range of your own on a shared machine); free ones otherwise.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=bench/common.sh
source bench/common.sh
bench_run load "$@"

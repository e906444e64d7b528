#!/usr/bin/env bash
# Runs the ClientHub benchmark against a fresh, private Azurite on free ports: builds the bench in
# Release, runs it (arguments are passed on, e.g. --jobs 50), then stops Azurite and removes its data.
# Needs only bash, the .NET SDK 10 and Node.js 20+ (npm). See bench/README.md for what it measures.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=bench/common.sh
source bench/common.sh
bench_setup bench

rc=0
dotnet "$BENCH_DLL" "$@" </dev/null || rc=$?
bench_report
exit "$rc"

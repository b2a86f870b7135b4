#!/usr/bin/env bash
# Stops and removes the throw-away PostgreSQL clusters of test runs whose process is gone (a test host that was
# killed or crashed before its exit handler ran): the directories tests/Nexus.Tests/Support/PostgresServer.cs
# makes, ${TMPDIR:-/tmp}/nexus-pg-<pid>-<id>/<name>. `make test` runs it last, so nothing it started outlives it;
# clusters of a test run still going are left alone.
set -euo pipefail
cd "$(dirname "$0")/.."
shopt -s nullglob
stopped=0
for parent in "${TMPDIR:-/tmp}"/nexus-pg-*-*/; do
  parent="${parent%/}"
  pid=$(basename "$parent" | cut -d- -f3)
  [[ "$pid" =~ ^[0-9]+$ ]] || continue
  kill -0 "$pid" 2>/dev/null && continue
  for dir in "$parent"/*/; do
    scripts/postgres.sh stop "${dir%/}" >/dev/null 2>&1 || echo "stop-test-postgres: could not stop ${dir%/}" >&2
  done
  rm -rf "$parent"
  stopped=$((stopped + 1))
done
[ "$stopped" -eq 0 ] || echo "stop-test-postgres: removed $stopped leftover test cluster(s)"

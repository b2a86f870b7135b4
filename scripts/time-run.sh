#!/usr/bin/env bash
# Times `make run`'s start-up: runs scripts/run-local.sh (or the script given) in a fresh run directory, waits for
# its ready lines, prints the seconds from start to them and the per-step timestamps of launcher.log, and stops it.
#   scripts/time-run.sh [RUNS=1] [SCRIPT=scripts/run-local.sh]
# Workers run in simulation mode; the build must be up to date (make build). Each run starts from nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-1}"
script="${2:-scripts/run-local.sh}"
for i in $(seq 1 "$runs"); do
  dir=$(mktemp -d "${TMPDIR:-/tmp}/nexus-time-run-XXXXXX")
  start=$(date +%s%N)
  env -u KUBECONFIG -u NEXUS_DATABASE_URL NEXUS_RUN_DIR="$dir" NEXUS_WORKER_SIMULATION=1 bash "$script" >"$dir/out" 2>&1 &
  pid=$!
  deadline=$((SECONDS + 600))
  until grep -q '^Logs are in' "$dir/out" 2>/dev/null; do
    if ! kill -0 "$pid" 2>/dev/null || [ $SECONDS -ge $deadline ]; then
      echo "run $i: the platform did not come up:" >&2; tail -n 20 "$dir/out" >&2
      kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$dir"; exit 1
    fi
    sleep 0.1
  done
  end=$(date +%s%N)
  echo "run $i: ready after $(( (end - start) / 1000000 )) ms (load average $(cut -d' ' -f1-3 /proc/loadavg))"
  sed 's/^/  /' "$dir/launcher.log"
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
  rm -rf "$dir"
done

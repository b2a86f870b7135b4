#!/usr/bin/env bash
# Brings the whole platform up on this machine: the Kubernetes API stand-in (or the cluster KUBECONFIG names),
# the CRDs, one Python worker and WorkerPool per job type, the operator and the gateway, and a demo API key.
# Prints the connection lines once everything is ready; Ctrl-C or SIGTERM stops every process it started.
set -euo pipefail
cd "$(dirname "$0")/.."

CONFIGURATION="${CONFIGURATION:-Debug}"
PYTHON="${PYTHON:-/usr/bin/python3}"
NAMESPACE="${NEXUS_NAMESPACE:-default}"
RUN_DIR="${NEXUS_RUN_DIR:-$PWD/.run}"
READY_TIMEOUT="${NEXUS_READY_TIMEOUT:-90}"
JOB_TYPES=(pricing_recalculate review_sentiment return_classify llm_visibility_score competitor_scan listing_optimize)
bin() { echo "$1/bin/$CONFIGURATION/net10.0/$2"; }

mkdir -p "$RUN_DIR"
rm -f "$RUN_DIR"/*.log
pids=()

stop_all() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap 'stop_all; exit 130' INT
trap 'stop_all; exit 143' TERM
trap 'stop_all' EXIT

fail() {
  echo "make run: $*" >&2
  for log in "$RUN_DIR"/*.log; do [ -s "$log" ] && { echo "--- $log (last lines)" >&2; tail -n 20 "$log" >&2; }; done
  exit 1
}

# Progress with timestamps, for finding out where start-up time goes.
step() { echo "$(date +%H:%M:%S.%3N) $*" >>"$RUN_DIR/launcher.log"; }

free_port() { "$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Waits until a command succeeds, or fails after READY_TIMEOUT seconds.
wait_for() {
  local what="$1"; shift
  local deadline=$((SECONDS + READY_TIMEOUT))
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || fail "$what did not become ready within ${READY_TIMEOUT}s"
    sleep 0.2
  done
}

# Waits for a line matching a pattern in a log file and prints its capture.
wait_for_line() {
  local what="$1" log="$2" pattern="$3"
  local deadline=$((SECONDS + READY_TIMEOUT)) line
  while :; do
    line=$(grep -m1 -oP "$pattern" "$log" 2>/dev/null || true)
    [ -n "$line" ] && { echo "$line"; return 0; }
    [ $SECONDS -lt $deadline ] || fail "$what did not start within ${READY_TIMEOUT}s"
    sleep 0.2
  done
}

core_pids=() # the processes whose exit ends the run (a worker may be restarted, like a pod)
start() { # name, then the command; output goes to RUN_DIR/name.log
  local name="$1"; shift
  "$@" >"$RUN_DIR/$name.log" 2>&1 &
  pids+=($!)
  core_pids+=($!)
}

step "kubernetes api"
# 1. The Kubernetes API: the cluster KUBECONFIG names, or the stand-in.
if [ -n "${KUBECONFIG:-}" ] && [ -f "${KUBECONFIG%%:*}" ]; then
  kubeconfig="$KUBECONFIG"
else
  start apiserver dotnet "$(bin tests/KubeApiServer Nexus.KubeApiServer.dll)" --port 0 \
    --kubeconfig "$RUN_DIR/kubeconfig"
  kubeconfig=$(wait_for_line "the Kubernetes API stand-in" "$RUN_DIR/apiserver.log" '(?<=^Kubeconfig: ).*')
fi
export KUBECONFIG="$kubeconfig"
kubectl_() { kubectl --kubeconfig "$kubeconfig" --cache-dir "$RUN_DIR/kubectl-cache" -n "$NAMESPACE" "$@"; }
kubectl_ apply -f crds/ >/dev/null || fail "applying the CRDs failed"

step "assistant"
# 2. The assistant the LLM job types ask: the one WORKER_LLM_PROVIDERS names, or the demo assistant that answers
# from the demo catalog (local runs only; production configures real OpenAI-compatible assistants).
if [ -z "${WORKER_LLM_PROVIDERS:-}" ]; then
  (cd workers && WORKER_DB_PATH="$RUN_DIR/worker-data.sqlite3" \
    exec "$PYTHON" -m nexus_demo.assistant --host 127.0.0.1 --port 0) >"$RUN_DIR/demo-assistant.log" 2>&1 &
  pids+=($!)
  assistant=$(wait_for_line "the demo assistant" "$RUN_DIR/demo-assistant.log" '(?<=listening on )http://\S+')
  wait_for "the demo assistant" curl -fsS "$assistant/healthz"
  export WORKER_LLM_PROVIDERS="[{\"name\":\"demo\",\"base_url\":\"$assistant/v1\",\"model\":\"demo\"}]"
fi

step "workers"
# 3. One worker process and WorkerPool per job type. Each worker's port and pid are written beside its log, so a
# test can stop and restart one as Kubernetes would restart a pod.
pools=""
for type in "${JOB_TYPES[@]}"; do
  name="workers-${type//_/-}"
  (cd workers && WORKER_JOB_TYPES="$type" WORKER_DB_PATH="$RUN_DIR/worker-data.sqlite3" \
    WORKER_ALLOW_SIMULATION="${NEXUS_WORKER_SIMULATION:-0}" \
    exec "$PYTHON" -m nexus_worker --host 127.0.0.1 --port 0) >"$RUN_DIR/$name.log" 2>&1 &
  pids+=($!)
  echo "$!" >"$RUN_DIR/$name.pid"
done
for type in "${JOB_TYPES[@]}"; do
  name="workers-${type//_/-}"
  url=$(wait_for_line "worker $type" "$RUN_DIR/$name.log" '(?<=listening on )http://\S+')
  echo "${url##*:}" >"$RUN_DIR/$name.port"
  wait_for "worker $type" curl -fsS "$url/readyz"
  pools+="---
apiVersion: nexus.ai/v1
kind: WorkerPool
metadata:
  name: $name
spec:
  jobTypes: [\"$type\"]
  staticEndpoints: [\"$url\"]
  concurrencyPerReplica: 4
  minReplicas: 1
  maxReplicas: 1
"
done
echo "$pools" | kubectl_ apply -f - >/dev/null || fail "applying the WorkerPools failed"

step "operator and gateway"
# 4. Operator and gateway.
operator_port=$(free_port)
NEXUS_NAMESPACE="$NAMESPACE" NEXUS_OPERATOR_URL="http://127.0.0.1:$operator_port" \
  start operator dotnet "$(bin operator Nexus.Operator.dll)"
gateway_port=$(free_port)
NEXUS_NAMESPACE="$NAMESPACE" NEXUS_GATEWAY_URLS="http://127.0.0.1:$gateway_port" \
  start gateway dotnet "$(bin api-gateway Nexus.Gateway.dll)"
wait_for "the operator" curl -fsS "http://127.0.0.1:$operator_port/readyz"
wait_for "the gateway" curl -fsS "http://127.0.0.1:$gateway_port/readyz"
echo "http://127.0.0.1:$operator_port" >"$RUN_DIR/operator.url"
echo "http://127.0.0.1:$gateway_port" >"$RUN_DIR/gateway.url"

step "api key"
# 5. A demo API key for tenant demo.
api_key=$(NEXUS_NAMESPACE="$NAMESPACE" dotnet "$(bin api-gateway Nexus.Gateway.dll)" keys create \
  --tenant demo --scopes ai-jobs:read,ai-jobs:write --name demo-key-$$ 2>>"$RUN_DIR/keys.log" | tail -n 1)
[ -n "$api_key" ] || fail "creating the demo API key failed"
gateway="http://127.0.0.1:$gateway_port"
wait_for "the demo API key" curl -fsS -H "Authorization: Bearer $api_key" -H "X-Tenant-ID: demo" "$gateway/api/ai-jobs?limit=1"

step ready
cat <<READY
Gateway: $gateway
API key: $api_key
Tenant: demo
Kubeconfig: $kubeconfig

Dispatch a job:
  curl -s -X POST $gateway/api/ai-jobs -H "Authorization: Bearer $api_key" -H "X-Tenant-ID: demo" -H "Content-Type: application/json" -d '{"type":"pricing_recalculate","params":{"skus":["SKU-001","SKU-002"],"marketplace":"amazon_us","apply":false},"priority":"normal"}'
Poll it (use the id the dispatch returned):
  curl -s $gateway/api/ai-jobs/JOB_ID -H "Authorization: Bearer $api_key" -H "X-Tenant-ID: demo"
Logs are in $RUN_DIR. Press Ctrl-C to stop.
READY
echo "Dashboard: $gateway/ui"

# Stay up until interrupted or until any process dies.
wait -n "${core_pids[@]}" || true
fail "a platform process exited unexpectedly"

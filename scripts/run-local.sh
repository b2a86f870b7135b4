#!/usr/bin/env bash
# Brings the whole platform up on this machine: the Kubernetes API stand-in (or the cluster KUBECONFIG names),
# the CRDs, the local node agent, and as Deployments the agent runs (as a kubelet would): one worker pool per job
# type, the operator and the gateway; then a demo API key. Prints the connection lines once everything is ready;
# Ctrl-C or SIGTERM stops every process it started (the agent stops the pods within their grace periods).
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

core_pids=() # the processes whose exit ends the run (pods are restarted by the node agent)
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
  # The stand-in keeps its objects in the run directory (jobs, results, keys, pools survive Ctrl-C and the next
  # make run); NEXUS_CLEAN_START=1 starts from nothing, NEXUS_PERSIST=0 keeps everything in memory only. The node
  # agent below runs the Deployments, so the stand-in's own "every replica is ready" shortcut is off.
  if [ "${NEXUS_CLEAN_START:-0}" = "1" ]; then rm -f "$RUN_DIR/apiserver.data"; fi
  persist=(--data-file "$RUN_DIR/apiserver.data")
  if [ "${NEXUS_PERSIST:-1}" = "0" ]; then persist=(); fi
  start apiserver dotnet "$(bin tests/KubeApiServer Nexus.KubeApiServer.dll)" --port 0 \
    --kubeconfig "$RUN_DIR/kubeconfig" --no-builtin-controllers "${persist[@]}"
  kubeconfig=$(wait_for_line "the Kubernetes API stand-in" "$RUN_DIR/apiserver.log" '(?<=^Kubeconfig: ).*')
fi
export KUBECONFIG="$kubeconfig"
kubectl_() { kubectl --kubeconfig "$kubeconfig" --cache-dir "$RUN_DIR/kubectl-cache" -n "$NAMESPACE" "$@"; }
kubectl_ apply -f crds/ >/dev/null || fail "applying the CRDs failed"

step "node agent"
# The local node agent: runs each Deployment's pods as local processes (the command is the pod template's
# local.nexus.ai/command annotation, there being no images), restarts crashed ones with the kubelet's back-off,
# and publishes ready pods in their Services' EndpointSlices. Pod output goes to RUN_DIR/POD.log.
start node-agent dotnet "$(bin tests/NodeAgent Nexus.NodeAgent.dll)" --kubeconfig "$kubeconfig" \
  --namespace "$NAMESPACE" --node-name local-node --log-dir "$RUN_DIR"

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

step "workloads"
# 3. The workloads, declared as in a cluster. q quotes a value as a YAML string.
q() { local s=${1//\\/\\\\}; s=${s//\"/\\\"}; printf '"%s"' "$s"; }

# The Deployment, Service and WorkerPool of one job type's workers: the operator scales the Deployment between
# min and max and finds the ready workers in the Service's EndpointSlices.
worker_workload() { # job type, minReplicas, maxReplicas
  local type="$1" min="$2" max="$3" name="workers-${1//_/-}"
  cat <<YAML
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: $name
  labels: {app.kubernetes.io/name: nexus-worker, app.kubernetes.io/instance: $name}
spec:
  replicas: $min
  selector:
    matchLabels: {app.kubernetes.io/instance: $name}
  template:
    metadata:
      labels: {app.kubernetes.io/name: nexus-worker, app.kubernetes.io/instance: $name}
      annotations:
        local.nexus.ai/workdir: workers
        local.nexus.ai/command: $(q "exec $PYTHON -m nexus_worker --host 127.0.0.1 --port \$PORT")
    spec:
      terminationGracePeriodSeconds: 15
      containers:
        - name: worker
          image: nexus-worker:local
          ports: [{name: http, containerPort: 8080}]
          env:
            - {name: WORKER_POOL, value: $name}
            - {name: WORKER_JOB_TYPES, value: $type}
            - {name: WORKER_INSTANCE, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
            - {name: WORKER_SHUTDOWN_GRACE_SECONDS, value: "5"}
            - {name: WORKER_DB_PATH, value: $(q "$RUN_DIR/worker-data.sqlite3")}
            - {name: WORKER_ALLOW_SIMULATION, value: $(q "${NEXUS_WORKER_SIMULATION:-0}")}
            - {name: WORKER_LLM_PROVIDERS, value: $(q "$WORKER_LLM_PROVIDERS")}
          readinessProbe: {httpGet: {path: /readyz, port: http}, periodSeconds: 1, failureThreshold: 2}
---
apiVersion: v1
kind: Service
metadata: {name: $name}
spec:
  selector: {app.kubernetes.io/instance: $name}
  ports: [{name: http, port: 8080, targetPort: http}]
---
apiVersion: nexus.ai/v1
kind: WorkerPool
metadata: {name: $name}
spec:
  jobTypes: [$type]
  deployment: {name: $name}
  service: {name: $name}
  concurrencyPerReplica: 4
  minReplicas: $min
  maxReplicas: $max
  scaleDownDelaySeconds: ${NEXUS_SCALE_DOWN_DELAY_SECONDS:-60}
YAML
}

# The operator or the gateway as a one-replica Deployment on a fixed port (its hostPort), so the printed URL
# survives a restart. POD_NAME is the operator's identity for its Lease, stable across container restarts.
service_workload() { # name, dll, listen-url variable, port
  local name="$1" dll="$2" url_var="$3" port="$4"
  cat <<YAML
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: $name}
spec:
  replicas: 1
  selector:
    matchLabels: {app.kubernetes.io/name: $name}
  template:
    metadata:
      labels: {app.kubernetes.io/name: $name}
      annotations:
        local.nexus.ai/command: $(q "exec dotnet $dll")
    spec:
      terminationGracePeriodSeconds: 15
      containers:
        - name: $name
          image: $name:local
          ports: [{name: http, containerPort: 8080, hostPort: $port}]
          env:
            - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
            - {name: NEXUS_NAMESPACE, value: $(q "$NAMESPACE")}
            - {name: $url_var, value: "http://127.0.0.1:\$(PORT)"}
          readinessProbe: {httpGet: {path: /readyz, port: http}, periodSeconds: 1, failureThreshold: 2}
YAML
}

# Types with a minimum of 0 start without workers; the first job of the type scales their pool up.
min_replicas() { case "$1" in llm_visibility_score|listing_optimize) echo 0 ;; *) echo 1 ;; esac; }
operator_port=$(free_port)
gateway_port=$(free_port)
{
  for type in "${JOB_TYPES[@]}"; do worker_workload "$type" "$(min_replicas "$type")" "${NEXUS_MAX_WORKER_REPLICAS:-3}"; done
  service_workload nexus-operator "$(bin operator Nexus.Operator.dll)" NEXUS_OPERATOR_URL "$operator_port"
  service_workload nexus-gateway "$(bin api-gateway Nexus.Gateway.dll)" NEXUS_GATEWAY_URLS "$gateway_port"
} | kubectl_ apply -f - >/dev/null || fail "applying the workloads failed"

step "operator and gateway"
# 4. Wait for the operator, the gateway and every worker pool's minimum.
wait_for "the operator" curl -fsS "http://127.0.0.1:$operator_port/readyz"
wait_for "the gateway" curl -fsS "http://127.0.0.1:$gateway_port/readyz"
echo "http://127.0.0.1:$operator_port" >"$RUN_DIR/operator.url"
echo "http://127.0.0.1:$gateway_port" >"$RUN_DIR/gateway.url"
pools_ready() {
  kubectl_ get deployments -l app.kubernetes.io/name=nexus-worker \
    -o jsonpath='{range .items[*]}{.spec.replicas} {.status.readyReplicas}{"\n"}{end}' |
    awk '{ if ($1 != ($2 == "" ? 0 : $2)) bad = 1 } END { exit bad }'
}
wait_for "the worker pools" pools_ready

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

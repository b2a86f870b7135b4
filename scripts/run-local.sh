#!/usr/bin/env bash
# Brings the whole platform up on this machine: a private PostgreSQL (or the one NEXUS_DATABASE_URL names), the
# Kubernetes API stand-in, the CRDs, the local node agent, and as Deployments the agent runs (as a kubelet would):
# one worker pool per job type, the operator and the gateway; then a demo API key. Prints the connection lines once
# everything is ready; Ctrl-C or SIGTERM stops every process it started (the agent stops the pods within their
# grace periods, PostgreSQL last). Whatever does not depend on another step starts at once; launcher.log in the
# run directory has a timestamp per step.
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
pg_dir=""       # the PostgreSQL cluster this run started (stopped on exit); empty when NEXUS_DATABASE_URL names one
pg_start=""     # pid of its `postgres.sh start`, which runs beside the other start-up steps
pg_throwaway="" # NEXUS_PERSIST=0: the directory the cluster lives in, removed on exit

stop_all() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  # The database last: the operator and the gateway close their connections when they stop.
  if [ -n "$pg_dir" ]; then
    [ -z "$pg_start" ] || wait "$pg_start" 2>/dev/null || true
    scripts/postgres.sh stop "$pg_dir" >>"$RUN_DIR/postgres.log" 2>&1 || echo "make run: stopping PostgreSQL in $pg_dir failed (see $RUN_DIR/postgres.log)" >&2
  fi
  [ -z "$pg_throwaway" ] || rm -rf "$pg_throwaway"
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

# Waits until a command succeeds, or fails after READY_TIMEOUT seconds (at once when the process whose pid
# follows -p has exited: waiting longer would only hide the reason, which its log holds).
wait_for() {
  local what="$1" pid=""; shift
  if [ "$1" = "-p" ]; then pid="$2"; shift 2; fi
  local deadline=$((SECONDS + READY_TIMEOUT))
  until "$@" >/dev/null 2>&1; do
    [ -z "$pid" ] || kill -0 "$pid" 2>/dev/null || fail "$what exited before it was ready"
    [ $SECONDS -lt $deadline ] || fail "$what did not become ready within ${READY_TIMEOUT}s"
    sleep 0.2
  done
}

# Waits for a line matching a pattern in a log file and prints its capture; fails early when pid has exited.
wait_for_line() {
  local what="$1" log="$2" pattern="$3" pid="${4:-}"
  local deadline=$((SECONDS + READY_TIMEOUT)) line
  while :; do
    line=$(grep -m1 -oP "$pattern" "$log" 2>/dev/null || true)
    [ -n "$line" ] && { echo "$line"; return 0; }
    [ -z "$pid" ] || kill -0 "$pid" 2>/dev/null || fail "$what exited before it was ready"
    [ $SECONDS -lt $deadline ] || fail "$what did not start within ${READY_TIMEOUT}s"
    sleep 0.2
  done
}

# A connection URL or Npgsql connection string without its password, for printing.
redact() { sed -E 's#(://[^:/@]*):[^/?\#]*@#\1:***@#; s#((^|;)[[:space:]]*(Password|Pwd)[[:space:]]*=)[^;]*#\1***#I' <<<"$1"; }

core_pids=() # the processes whose exit ends the run (pods are restarted by the node agent)
start() { # name, then the command; output goes to RUN_DIR/name.log
  local name="$1"; shift
  "$@" >"$RUN_DIR/$name.log" 2>&1 &
  pids+=($!)
  core_pids+=($!)
}

# 0. The Kubernetes API is the stand-in this script starts: the node agent plays a cluster's deployment
# controller and kubelet, which only works where nothing else does. A KUBECONFIG naming another API is refused
# with the reason, before anything starts; one naming the stand-in of an earlier make run (the README's export
# line) is that run's, and this run replaces it.
refuse_kubeconfig() {
  local first="${KUBECONFIG%%:*}" server context answer
  if [ ! -f "$first" ]; then
    echo "make run: KUBECONFIG names $first, which does not exist. make run starts its own Kubernetes API stand-in: unset KUBECONFIG (env -u KUBECONFIG make run)." >&2
    exit 2
  fi
  server=$(kubectl config view --minify -o jsonpath='{.clusters[0].cluster.server}' 2>/dev/null || true)
  context=$(kubectl config current-context 2>/dev/null || true)
  if ! answer=$(kubectl version --request-timeout=5s -o json 2>&1 >/dev/null); then
    echo "make run: KUBECONFIG names a Kubernetes API that does not answer (context '${context:-none}', server ${server:-none}): $(grep -v '^$' <<<"$answer" | tail -n 1)" >&2
    echo "make run starts its own Kubernetes API stand-in: unset KUBECONFIG (env -u KUBECONFIG make run)." >&2
    exit 2
  fi
  cat >&2 <<WHY
make run: KUBECONFIG names a running cluster (context '${context:-none}', server ${server:-none}); make run does not run against it.
make run runs the platform's pods as local processes through its node agent, which plays the cluster's deployment
controller and kubelet and so needs the API stand-in make run starts itself. In a cluster its Deployment controller
would start the same pods from images that do not exist there, its EndpointSlice controller would replace the
local pods' endpoints, and its pod garbage collector would delete the pods bound to the agent's node.
For a local run unset KUBECONFIG (env -u KUBECONFIG make run); to run in the cluster install the Helm chart
(charts/nexus-ai-jobs/README.md).
WHY
  exit 2
}
if [ -n "${KUBECONFIG:-}" ]; then
  if [ "$(realpath -m "${KUBECONFIG%%:*}")" = "$(realpath -m "$RUN_DIR/kubeconfig")" ] && [[ "$KUBECONFIG" != *:* ]]; then
    unset KUBECONFIG
  else
    refuse_kubeconfig
  fi
fi

step "database"
# 1. The database: the one NEXUS_DATABASE_URL names, or a private PostgreSQL (scripts/postgres.sh) kept in the
# run directory with PostgreSQL's durable defaults; NEXUS_CLEAN_START=1 wipes it first, NEXUS_PERSIST=0 puts a
# throw-away one in a temporary directory (neither touches a database NEXUS_DATABASE_URL names). It starts beside
# the steps below; the ready lines wait for it.
if [ -n "${NEXUS_DATABASE_URL:-}" ]; then
  database_url="$NEXUS_DATABASE_URL"
else
  pg_args=()
  if [ "${NEXUS_PERSIST:-1}" = "0" ]; then
    pg_throwaway=$(mktemp -d "${TMPDIR:-/tmp}/nexus-run-pg-XXXXXX")
    chmod 755 "$pg_throwaway" # as root the server runs as the postgres user, which must reach its directory
    pg_dir="$pg_throwaway/postgres"
    pg_args=(--fast) # nothing to keep, so nothing to make durable
  else
    pg_dir="$RUN_DIR/postgres"
    if [ "${NEXUS_CLEAN_START:-0}" = "1" ]; then
      scripts/postgres.sh stop "$pg_dir" >/dev/null 2>&1 || true
      rm -rf "$pg_dir"
    fi
    [ "$(id -u)" -ne 0 ] || chmod o+x "$RUN_DIR"
  fi
  # The port is fixed here (the cluster's own from an earlier run, else a free one), so the URL is known before
  # the server is up and nothing else waits for initdb; the ready lines do.
  pg_port=$(cat "$pg_dir/port" 2>/dev/null || free_port)
  database_url="postgresql://nexus@127.0.0.1:$pg_port/nexus"
  scripts/postgres.sh start "$pg_dir" --port "$pg_port" "${pg_args[@]}" >"$RUN_DIR/postgres.url" 2>"$RUN_DIR/postgres.log" &
  pg_start=$!
fi

step "chart rbac"
# The chart's own ServiceAccounts, Roles and bindings, rendered as helm template would: the stand-in enforces them,
# and the operator and the gateway run with their ServiceAccounts' tokens (kubeconfigs the stand-in writes at
# start), so a permission the chart forgot is a 403 here before any cluster sees it. kubectl, the node agent and
# the demo key use the administrator's kubeconfig.
make --no-print-directory -s charts/render/.bin/render || fail "building the chart renderer (charts/render) failed"
read -r operator_sa gateway_sa lease_name < <(charts/render/.bin/render charts/nexus-ai-jobs --name nexus \
  --namespace "$NAMESPACE" --set database.url="$database_url" | "$PYTHON" scripts/chart_rbac.py "$RUN_DIR/chart-rbac.yaml") ||
  fail "rendering the chart's RBAC objects failed"
[ -n "${lease_name:-}" ] || fail "rendering the chart's RBAC objects failed"

step "kubernetes api"
# 2. The Kubernetes API stand-in. It keeps its objects in the run directory (jobs, results, keys, pools survive
# Ctrl-C and the next make run); NEXUS_CLEAN_START=1 starts from nothing, NEXUS_PERSIST=0 keeps everything in
# memory only. The node agent below runs the Deployments, so the stand-in's own "every replica is ready"
# shortcut is off.
if [ "${NEXUS_CLEAN_START:-0}" = "1" ]; then rm -f "$RUN_DIR/apiserver.data"; fi
persist=(--data-file "$RUN_DIR/apiserver.data")
if [ "${NEXUS_PERSIST:-1}" = "0" ]; then persist=(); fi
start apiserver dotnet "$(bin tests/KubeApiServer Nexus.KubeApiServer.dll)" --port 0 \
  --kubeconfig "$RUN_DIR/kubeconfig" --no-builtin-controllers "${persist[@]}" --rbac \
  --service-account-kubeconfig "$NAMESPACE/$operator_sa=$RUN_DIR/operator.kubeconfig" \
  --service-account-kubeconfig "$NAMESPACE/$gateway_sa=$RUN_DIR/gateway.kubeconfig"
apiserver_pid=$!

step "assistant"
# 3. The assistant the LLM job types ask: the one WORKER_LLM_PROVIDERS names, or the demo assistant that answers
# from the demo catalog (local runs only; production configures real OpenAI-compatible assistants). Its port is
# chosen here, so the workers' settings need not wait for its start (checked before the ready lines).
assistant=""
if [ -z "${WORKER_LLM_PROVIDERS:-}" ]; then
  assistant="http://127.0.0.1:$(free_port)"
  (cd workers && WORKER_DB_PATH="$RUN_DIR/worker-data.sqlite3" \
    exec "$PYTHON" -m nexus_demo.assistant --host 127.0.0.1 --port "${assistant##*:}") >"$RUN_DIR/demo-assistant.log" 2>&1 &
  pids+=($!)
  assistant_pid=$!
  export WORKER_LLM_PROVIDERS="[{\"name\":\"demo\",\"base_url\":\"$assistant/v1\",\"model\":\"demo\"}]"
fi

kubeconfig=$(wait_for_line "the Kubernetes API stand-in" "$RUN_DIR/apiserver.log" '(?<=^Kubeconfig: ).*' "$apiserver_pid")
export KUBECONFIG="$kubeconfig"
kubectl_() { kubectl --kubeconfig "$kubeconfig" --cache-dir "$RUN_DIR/kubectl-cache" -n "$NAMESPACE" "$@"; }

step "api key (started)"
# 4. A demo API key for tenant demo: only the API is needed, so it is created while the rest starts.
(umask 077; NEXUS_NAMESPACE="$NAMESPACE" exec dotnet "$(bin api-gateway Nexus.Gateway.dll)" keys create \
  --tenant demo --scopes ai-jobs:read,ai-jobs:write --name demo-key-$$ >"$RUN_DIR/api-key" 2>>"$RUN_DIR/keys.log") &
keys_pid=$!
pids+=($keys_pid)

step "crds"
kubectl_ apply -f crds/ >/dev/null || fail "applying the CRDs failed"
kubectl_ apply -f "$RUN_DIR/chart-rbac.yaml" >/dev/null || fail "applying the chart's RBAC objects failed"

step "node agent"
# The local node agent: runs each Deployment's pods as local processes (the command is the pod template's
# local.nexus.ai/command annotation, there being no images), restarts crashed ones with the kubelet's back-off,
# and publishes ready pods in their Services' EndpointSlices. Pod output goes to RUN_DIR/POD.log.
start node-agent dotnet "$(bin tests/NodeAgent Nexus.NodeAgent.dll)" --kubeconfig "$kubeconfig" \
  --namespace "$NAMESPACE" --node-name local-node --log-dir "$RUN_DIR"

step "workloads"
# 5. The workloads, declared as in a cluster. q quotes a value as a YAML string.
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
service_workload() { # name, dll, listen-url variable, port, ServiceAccount, its kubeconfig, extra env lines
  local name="$1" dll="$2" url_var="$3" port="$4" account="$5" account_kubeconfig="$6" extra_env="${7:-}"
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
      serviceAccountName: $account
      terminationGracePeriodSeconds: 15
      containers:
        - name: $name
          image: $name:local
          ports: [{name: http, containerPort: 8080, hostPort: $port}]
          env:
            - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
            - {name: NEXUS_NAMESPACE, value: $(q "$NAMESPACE")}
            - {name: NEXUS_DATABASE_URL, value: $(q "$database_url")}
            # Local webhook receivers (development): http to this machine is allowed; everything else stays https-only.
            - {name: NEXUS_GATEWAY_WEBHOOK_ALLOWED_HOSTS, value: "127.0.0.1,localhost"}
            - {name: $url_var, value: "http://127.0.0.1:\$(PORT)"}
            # What the pod's mounted ServiceAccount token is in a cluster: the chart's identity, nothing more.
            - {name: KUBECONFIG, value: $(q "$account_kubeconfig")}$extra_env
          readinessProbe: {httpGet: {path: /readyz, port: http}, periodSeconds: 1, failureThreshold: 2}
YAML
}

# Types with a minimum of 0 start without workers; the first job of the type scales their pool up.
min_replicas() { case "$1" in llm_visibility_score|listing_optimize) echo 0 ;; *) echo 1 ;; esac; }
operator_port=$(free_port)
gateway_port=$(free_port)
{
  for type in "${JOB_TYPES[@]}"; do worker_workload "$type" "$(min_replicas "$type")" "${NEXUS_MAX_WORKER_REPLICAS:-3}"; done
  service_workload nexus-operator "$(bin operator Nexus.Operator.dll)" NEXUS_OPERATOR_URL "$operator_port" \
    "$operator_sa" "$RUN_DIR/operator.kubeconfig" $'\n'"            - {name: NEXUS_LEASE_NAME, value: $(q "$lease_name")}"
  service_workload nexus-gateway "$(bin api-gateway Nexus.Gateway.dll)" NEXUS_GATEWAY_URLS "$gateway_port" \
    "$gateway_sa" "$RUN_DIR/gateway.kubeconfig"
} | kubectl_ apply -f - >/dev/null || fail "applying the workloads failed"

step "operator and gateway"
# 6. Wait for the operator, the gateway, every worker pool's minimum, the assistant and the API key.
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
[ -z "$assistant" ] || wait_for "the demo assistant" -p "$assistant_pid" curl -fsS "$assistant/healthz"

if [ -n "$pg_start" ]; then
  step "database (waiting)"
  if ! wait "$pg_start"; then
    pg_start=""
    fail "PostgreSQL did not start in $pg_dir: $(tail -n 3 "$RUN_DIR/postgres.log")"
  fi
  pg_start=""
  [ "$(cat "$RUN_DIR/postgres.url")" = "$database_url" ] || fail "PostgreSQL started at $(cat "$RUN_DIR/postgres.url"), not at $database_url"
fi

step "api key"
wait "$keys_pid" || fail "creating the demo API key failed"
api_key=$(tail -n 1 "$RUN_DIR/api-key")
rm -f "$RUN_DIR/api-key" # printed below; only its hash is stored
[ -n "$api_key" ] || fail "creating the demo API key failed"
gateway="http://127.0.0.1:$gateway_port"
wait_for "the demo API key" curl -fsS -H "Authorization: Bearer $api_key" -H "X-Tenant-ID: demo" "$gateway/api/ai-jobs?limit=1"

step ready
cat <<READY
Gateway: $gateway
API key: $api_key
Tenant: demo
Kubeconfig: $kubeconfig
Database: $(redact "$database_url")

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

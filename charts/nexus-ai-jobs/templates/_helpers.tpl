{{/* Chart name, truncated to fit label values. */}}
{{- define "nexus.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Fully qualified app name. Short enough that "<fullname>-worker-<pool>" (pool names ≤ 40) stays a valid
DNS label for Services.
*/}}
{{- define "nexus.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 40 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 40 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "nexus.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on every object. Call with (dict "ctx" $ "component" "operator"). */}}
{{- define "nexus.labels" -}}
helm.sh/chart: {{ include "nexus.chart" .ctx }}
{{ include "nexus.selectorLabels" . }}
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
app.kubernetes.io/part-of: nexus-ai-jobs
{{- with .ctx.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Selector labels: immutable, so never the version. Call with (dict "ctx" $ "component" "x" ["pool" "p"]). */}}
{{- define "nexus.selectorLabels" -}}
app.kubernetes.io/name: {{ include "nexus.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
{{- if .component }}
app.kubernetes.io/component: {{ .component }}
{{- end }}
{{- if .pool }}
nexus.ai/pool: {{ .pool }}
{{- end }}
{{- end }}

{{/* Label naming the Prometheus job (ServiceMonitor jobLabel), so alert rules can select by job. */}}
{{- define "nexus.metricsJobLabel" -}}
nexus.ai/metrics-job: nexus-ai-jobs-{{ . }}
{{- end }}

{{- define "nexus.componentName" -}}
{{- printf "%s-%s" (include "nexus.fullname" .ctx) .component | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* ServiceAccount name of a component. Call with (dict "ctx" $ "component" "operator"). */}}
{{- define "nexus.serviceAccountName" -}}
{{- $sa := index .ctx.Values .component "serviceAccount" }}
{{- if $sa.create }}
{{- default (include "nexus.componentName" .) $sa.name }}
{{- else }}
{{- default "default" $sa.name }}
{{- end }}
{{- end }}

{{/* Image reference of a component; the tag defaults to the chart's appVersion. */}}
{{- define "nexus.image" -}}
{{- $img := index .ctx.Values .component "image" }}
{{- printf "%s:%s" $img.repository (default .ctx.Chart.AppVersion $img.tag) }}
{{- end }}

{{- define "nexus.workerName" -}}
{{- printf "%s-worker-%s" (include "nexus.fullname" .ctx) .pool | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "nexus.leaseName" -}}
{{- default (printf "%s-operator-leader" (include "nexus.fullname" .)) .Values.operator.leaderElection.leaseName }}
{{- end }}

{{- define "nexus.apiKeySecretName" -}}
{{- default (printf "%s-initial-api-key" (include "nexus.fullname" .)) .Values.apiKey.existingSecret }}
{{- end }}

{{/* Pod-level security context for a component (runAsUser/Group and fsGroup from the component). */}}
{{- define "nexus.podSecurityContext" -}}
{{- $uid := index .ctx.Values .component "runAsUser" }}
{{- $ctx := merge (dict "runAsUser" $uid "runAsGroup" $uid "fsGroup" $uid) .ctx.Values.podSecurityContext }}
{{- toYaml $ctx }}
{{- end }}

{{- define "nexus.containerSecurityContext" -}}
{{- toYaml .Values.containerSecurityContext }}
{{- end }}

{{/* Scheduling fields shared by every Deployment. Call with the component's values. */}}
{{- define "nexus.scheduling" -}}
{{- with .priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
{{- with .nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{- define "nexus.imagePullSecrets" -}}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/* A PodDisruptionBudget. Call with (dict "ctx" $ "component" "x" "name" "n" "pdb" $pdb ["pool" "p"]). */}}
{{- define "nexus.pdb" -}}
{{- if .pdb.enabled }}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ .name }}
  namespace: {{ .ctx.Release.Namespace }}
  labels:
    {{- include "nexus.labels" . | nindent 4 }}
spec:
  {{- if hasKey .pdb "minAvailable" }}
  minAvailable: {{ .pdb.minAvailable }}
  {{- else }}
  maxUnavailable: {{ .pdb.maxUnavailable | default 1 }}
  {{- end }}
  selector:
    matchLabels:
      {{- include "nexus.selectorLabels" . | nindent 6 }}
{{- end }}
{{- end }}

{{/*
The database connection (NEXUS_DATABASE_URL of the operator and the gateway). Exactly one source:
database.existingSecret (the user's Secret), database.url, or database.host with its parts (both rendered into
the Secret <fullname>-database). The chart ships no database, so rendering without one fails.
*/}}
{{- define "nexus.database.check" -}}
{{- $db := .Values.database }}
{{- $set := list }}
{{- if $db.existingSecret }}{{ $set = append $set "database.existingSecret" }}{{ end }}
{{- if $db.url }}{{ $set = append $set "database.url" }}{{ end }}
{{- if $db.host }}{{ $set = append $set "database.host" }}{{ end }}
{{- if eq (len $set) 0 }}
{{- fail "database: the operator and the gateway need PostgreSQL, and this chart ships none: set database.existingSecret (a Secret holding the connection URL under database.existingSecretKey), database.url, or database.host with database.name, database.user and database.password (see the chart README, \"Database\")" }}
{{- end }}
{{- if gt (len $set) 1 }}
{{- fail (printf "database: set exactly one of database.existingSecret, database.url and database.host, not %s" (join " and " $set)) }}
{{- end }}
{{- end }}

{{- define "nexus.databaseSecretName" -}}
{{- default (printf "%s-database" (include "nexus.fullname" .)) .Values.database.existingSecret }}
{{- end }}

{{- define "nexus.databaseSecretKey" -}}
{{- if .Values.database.existingSecret }}{{ .Values.database.existingSecretKey }}{{ else }}url{{ end }}
{{- end }}

{{/* The URL the chart renders into its own Secret: database.url, or one built from the parts (percent-encoded). */}}
{{- define "nexus.databaseUrl" -}}
{{- $db := .Values.database }}
{{- if $db.url }}
{{- $db.url }}
{{- else }}
{{- $enc := dict }}
{{- range $k := list "user" "password" "name" }}
{{- $_ := set $enc $k (index $db $k | toString | urlquery | replace "+" "%20") }}
{{- end }}
{{- $host := ternary (printf "[%s]" $db.host) $db.host (contains ":" $db.host) }}
{{- printf "postgresql://%s%s@%s:%d/%s?sslmode=%s" $enc.user (ternary (printf ":%s" $enc.password) "" (ne $db.password "")) $host (int $db.port) $enc.name $db.sslmode }}
{{- end }}
{{- end }}

{{/* The port the NetworkPolicies admit to the database: the URL's own port when database.url names one. */}}
{{- define "nexus.databasePort" -}}
{{- $db := .Values.database }}
{{- $port := int $db.port }}
{{- if $db.url }}
{{- $hostport := (urlParse $db.url).host }}
{{- $p := regexFind ":[0-9]+$" $hostport | trimPrefix ":" }}
{{- if $p }}{{ $port = int $p }}{{ end }}
{{- end }}
{{- $port }}
{{- end }}

{{/* NEXUS_DATABASE_URL from the Secret, for the operator's and the gateway's env. */}}
{{- define "nexus.databaseEnv" -}}
- name: NEXUS_DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "nexus.databaseSecretName" . }}
      key: {{ include "nexus.databaseSecretKey" . }}
{{- end }}

#!/usr/bin/env bash
# Installs the Debian packages the build, the tests and `make run` need, when any is missing: among them
# postgresql (the server `make run` and the .NET tests start privately through scripts/postgres.sh).
# Python dependencies come from Debian (python3-*), used with /usr/bin/python3. --bench adds what the benchmarks need.
set -euo pipefail

packages=(
  python3-fastapi python3-uvicorn python3-httpx python3-pytest python3-jsonschema python3-sklearn python3-prometheus-client
  python3-hypothesis
  python3-kubernetes prometheus curl postgresql chromium
  golang-go golang-github-masterminds-sprig-dev golang-github-xeipuuv-gojsonschema-dev
  golang-gopkg-yaml.v2-dev golang-gopkg-yaml.v3-dev
)
# The chart's schema check runs on node with npm ci (charts/schema-check); any node >= 14 will do, so a node
# installed some other way is kept.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  packages+=(nodejs npm)
fi

# Only the peer benchmark (make bench-peer) needs these: the job queue a user would pick instead.
if [ "${1:-}" = "--bench" ]; then
  packages+=(python3-celery python3-redis redis-server)
fi

# Not Debian packages here: the .NET 10 SDK (the services and tests) and kubectl (make run, the end-to-end and
# chart tests). Said up front rather than as a failure deep inside make test.
for tool in dotnet kubectl; do
  command -v "$tool" >/dev/null || { echo "install-deps: $tool is not on PATH: install the .NET 10 SDK and kubectl (they do not come from Debian's archive)" >&2; exit 1; }
done

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "Installing Debian packages: ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

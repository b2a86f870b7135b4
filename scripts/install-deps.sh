#!/usr/bin/env bash
# Installs the Debian packages the build, the tests and `make run` need, when any is missing.
# Python dependencies come from Debian (python3-*), used with /usr/bin/python3.
set -euo pipefail

packages=(
  python3-fastapi python3-uvicorn python3-httpx python3-pytest python3-sklearn python3-prometheus-client python3-kubernetes
  prometheus curl
  golang-go golang-github-masterminds-sprig-dev golang-github-xeipuuv-gojsonschema-dev
)

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

#!/usr/bin/env bash
# Chart, alerting and image checks: renders the chart with several value sets and checks the objects, validates
# values against values.schema.json, runs `promtool check rules` and `promtool test rules`, and (when the
# Kubernetes API stand-in is in the tree) applies the rendered objects to it with the real kubectl; checks the
# .NET Dockerfiles (tests/images). Every rendered object is validated against the upstream Kubernetes and
# prometheus-operator schemas with the npm packages pinned in charts/schema-check (installed here with npm ci).
# Needs the Debian packages golang-go, golang-github-masterminds-sprig-dev,
# golang-github-xeipuuv-gojsonschema-dev, golang-gopkg-yaml.v2-dev, golang-gopkg-yaml.v3-dev and prometheus, and node
# with npm (scripts/install-deps.sh installs them).
set -euo pipefail
cd "$(dirname "$0")/.."
# Debian's Go libraries live in a GOPATH, not a module cache: build in GOPATH mode, offline.
export GO111MODULE=off GOPATH=/usr/share/gocode GOFLAGS= GOPROXY=off
export GOCACHE="${GOCACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/go-build}"
go vet ./charts/render ./tests/images
charts/schema-check/install.sh
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
go test -count=1 -v "$@" ./charts/render ./tests/images 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
# One closing line counting the top-level tests.
awk '/^--- PASS/ {p++} /^--- FAIL/ {f++} /^--- SKIP/ {s++} END {printf "chart: %d passed, %d failed, %d skipped\n", p, f, s}' "$log"
exit "$rc"

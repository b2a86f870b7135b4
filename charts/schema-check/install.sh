#!/usr/bin/env bash
# Installs the schema validators exactly as package-lock.json pins them (npm ci). Skipped when node_modules
# already holds that lock's install; otherwise tries npm's cache alone first (works offline once the cache is
# warm), then the registry. CI machines can cache ~/.npm (or $npm_config_cache) between runs.
set -euo pipefail
cd "$(dirname "$0")"
stamp=node_modules/.installed-package-lock.json
if cmp -s package-lock.json "$stamp"; then
  exit 0
fi
flags=(--no-audit --no-fund --loglevel=error)
if ! npm ci --offline "${flags[@]}" >/dev/null 2>&1; then
  npm ci --prefer-offline "${flags[@]}"
fi
cp package-lock.json "$stamp"

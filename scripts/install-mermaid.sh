#!/usr/bin/env bash
# Installs the Mermaid parser check the graph and review tests run
# (scripts/mermaid: mermaid and jsdom from npm, pinned by package-lock.json)
# into target/mermaid, or $NEST_KZ_MERMAID_DIR. Idempotent. Prints
#   NEST_KZ_MERMAID_CHECK=/abs/path/check.mjs
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${NEST_KZ_MERMAID_DIR:-$PWD/target/mermaid}"
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
if ! cmp -s scripts/mermaid/package-lock.json "$dir/package-lock.json" || [ ! -d "$dir/node_modules/mermaid" ]; then
  cp scripts/mermaid/package.json scripts/mermaid/package-lock.json "$dir/"
  (cd "$dir" && npm ci --silent --no-audit --no-fund >/dev/null)
fi
cp scripts/mermaid/check.mjs "$dir/check.mjs"
echo "NEST_KZ_MERMAID_CHECK=$dir/check.mjs"

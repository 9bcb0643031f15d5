#!/usr/bin/env bash
# Rewrites tests/conformance-baseline.txt to list every conformance case that
# passes now (tests/cases, tests/errors, ../shared/conformance under v5.5,
# ../shared/conformance-v58 under v5.8), so the golden
# test fails if any of them regresses. Run after fixing a case.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(cargo test -q --test golden conformance -- --nocapture 2>&1)
failed=$(printf '%s\n' "$out" | sed -n 's/^  \([a-z]*\/[^:]*\): .*/\1/p')
{
  echo "# Conformance cases known to pass; a failure of any of these fails the suite."
  echo "# Regenerate with scripts/update-conformance-baseline.sh."
  for suite in cases errors; do
    for d in $(cd tests/$suite && ls); do
      printf '%s/%s\n' "$suite" "$d"
    done
  done
  if [ -d ../shared/conformance ]; then
    for d in $(cd ../shared/conformance && ls -d */ | tr -d /); do
      printf 'shared/%s\n' "$d"
    done
  fi
  if [ -d ../shared/conformance-v58 ]; then
    for d in $(cd ../shared/conformance-v58 && ls -d */ | tr -d /); do
      printf 'shared-v58/%s\n' "$d"
    done
  fi
} | grep -vxF -f <(printf '%s\n' "$failed" | grep . || echo '#none#') > tests/conformance-baseline.txt
printf '%s\n' "$out" | grep '^conformance: '

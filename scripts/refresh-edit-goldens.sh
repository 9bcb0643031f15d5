#!/usr/bin/env bash
# Re-captures tests/edit/cases/*/expected.yaml with `kubectl kustomize`
# (kustomize v5.5.0): each is the build of the case's tree with its
# hand-edited files (want-kustomization.yaml, want-NAME) in place. Then runs
# tests/edit.rs, which checks nest-kz's edits produce exactly those files
# and that both tools build them to the goldens.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v kubectl >/dev/null || { echo "kubectl is needed to refresh the goldens" >&2; exit 1; }
for case in tests/edit/cases/*/; do
  case=${case%/}
  [ -f "$case/want-kustomization.yaml" ] || continue
  tmp=$(mktemp -d)
  cp -r "$case"/. "$tmp"
  rm -f "$tmp/cmd" "$tmp/expected.yaml"
  for want in "$tmp"/want-*; do mv "$want" "$tmp/${want##*/want-}"; done
  kubectl kustomize "$tmp" 2>/dev/null > "$case/expected.yaml"
  rm -rf "$tmp"
done
cargo test -q --test edit

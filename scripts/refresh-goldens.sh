#!/usr/bin/env bash
# Re-captures kustomize's output as golden files, then re-checks nest-kz
# against them. Needs `kubectl` (kustomize v5.5.0); the test suite itself
# only reads the committed goldens, so it runs where kubectl is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v kubectl >/dev/null || { echo "kubectl not found: cannot refresh goldens" >&2; exit 1; }
kubectl version --client 2>/dev/null | grep -q 'Kustomize Version: v5.5.0' || echo "warning: goldens are meant to come from kustomize v5.5.0" >&2
for env in dev staging prod; do
  kubectl kustomize "overlays/$env" > "tests/golden/$env.yaml"
done
kubectl kustomize tests/argocd/prod-wrapper > tests/golden/argocd-prod-overrides.yaml
# `build --reorder none` (tests/cli.rs); kubectl warns the flag is deprecated.
kubectl kustomize tests/cases/legacy-order --reorder none 2>/dev/null > tests/golden/legacy-order-reorder-none.yaml
# One wrapping kustomization per ArgoCD override parameter (tests/argocd.rs).
for case in tests/argocd/*/; do
  [ -f "$case/case.json" ] && kubectl kustomize "$case" > "$case/expected.yaml"
done
# A tree big enough for the parallel paths (tests/many_objects.rs), kept as a digest.
many="$(mktemp -d)"
NEST_KZ_MANY_OBJECTS_TREE="$many" cargo test -q --test many_objects big_tree >/dev/null 2>&1 || true
kubectl kustomize "$many/overlay" | python3 -c 'import hashlib,sys; t=sys.stdin.buffer.read(); print(hashlib.sha256(t).hexdigest(), t.count(b"\n---\n") + 1)' > tests/golden/many-objects.sha256
rm -rf "$many"
for case in tests/cases/*/; do
  kubectl kustomize "$case" > "$case/expected.yaml"
done
for case in tests/errors/*/; do
  if kubectl kustomize "$case" >/dev/null 2>&1; then
    echo "kustomize accepts $case, which is meant to be an error case" >&2; exit 1
  fi
done
# Helm cases (tests/helm/cases): needs the helm binaries of scripts/install-helm.sh.
helm_env="$(./scripts/install-helm.sh)"
while IFS='=' read -r var path; do export "$var=$path"; done <<<"$helm_env"
NEST_KZ_HELM_REFRESH=1 cargo test --test helm
cargo test --test golden --test argocd --test cli --test many_objects

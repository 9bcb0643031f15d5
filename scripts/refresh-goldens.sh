#!/usr/bin/env bash
# Re-captures what the real kustomize releases print as golden files, then
# re-checks nest-kz against them. The test suite itself only reads the
# committed goldens, so it runs where the oracles are absent.
#
#   v5.5: kubectl kustomize (kubectl 1.32, kustomize v5.5.0)
#   v5.7: kubectl 1.35.2 (kustomize v5.7.1), from scripts/install-oracles.sh
#   v5.8: ../shared/tools/kustomize-v58 (API v0.21.3), same script
#
# Goldens: tests/golden/{dev,staging,prod}.yaml (the Nest overlays, which
# every release must print alike), tests/cases/*/expected.yaml (v5.5) and
# expected-v5.8.yaml where v5.8 prints otherwise, the ArgoCD and helm
# cases (their tests rewrite them), the many-objects digest.
# tests/releases has its own script (refresh-release-goldens.sh).
#
# With --check nothing is written: every golden is compared with the live
# oracles, the recipes are built by nest-kz and every release and compared,
# and any difference fails (CI runs this).
set -euo pipefail
cd "$(dirname "$0")/.."
check=false
[ "${1:-}" = "--check" ] && check=true
kubectl version --client 2>/dev/null | grep -q 'Kustomize Version: v5.5.0' \
  || { echo "kubectl (kustomize v5.5.0) is needed" >&2; exit 1; }
eval "$(./scripts/install-oracles.sh | sed 's/^/export /')"
kz58="$(cd .. && pwd)/shared/tools/kustomize-v58"
[ -x "$kz58" ] || { echo "$kz58 is missing" >&2; exit 1; }
cargo build -q --release
nest=target/release/nest-kz
status=0
fail() { echo "$*" >&2; status=1; }

# oracle RELEASE DIR [ARGS...]: that release's kustomize build of DIR
# (its warnings, such as deprecated fields, are not kept).
oracle() {
  local release=$1; shift
  case $release in
    v5.5) kubectl kustomize "$@" 2>/dev/null ;;
    v5.7) "$NEST_KZ_KUBECTL_V57" kustomize "$@" 2>/dev/null ;;
    v5.8) "$kz58" build "$@" 2>/dev/null ;;
  esac
}

# The Nest overlays: one golden, every release.
for env in dev staging prod; do
  golden="tests/golden/$env.yaml"
  $check || oracle v5.5 "overlays/$env" > "$golden"
  for release in v5.5 v5.7 v5.8; do
    cmp -s <(oracle "$release" "overlays/$env") "$golden" \
      || fail "overlays/$env: kustomize $release differs from $golden"
  done
done

# The recipes (tests/nest_tree.rs builds them): nest-kz and every release alike.
for tree in tests/recipes/*/; do
  for release in v5.5 v5.7 v5.8; do
    cmp -s <(oracle "$release" "$tree") <("$nest" build "$tree" --kustomize-version "$release") \
      || fail "$tree: nest-kz differs from kustomize $release"
  done
done

# `build --reorder none` (tests/cli.rs); kubectl warns the flag is deprecated.
reorder=tests/golden/legacy-order-reorder-none.yaml
if $check; then
  cmp -s <(oracle v5.5 tests/cases/legacy-order --reorder none) "$reorder" \
    || fail "$reorder: kustomize now prints otherwise"
else
  oracle v5.5 tests/cases/legacy-order --reorder none > "$reorder"
fi

# tests/cases: expected.yaml from v5.5, expected-v5.8.yaml only where v5.8
# prints otherwise.
for case in tests/cases/*/; do
  case=${case%/}
  v55=$(mktemp); v58=$(mktemp)
  oracle v5.5 "$case" > "$v55"
  oracle v5.8 "$case" > "$v58"
  if $check; then
    cmp -s "$v55" "$case/expected.yaml" || fail "$case: kustomize v5.5 differs from expected.yaml"
    want="$case/expected.yaml"
    [ -f "$case/expected-v5.8.yaml" ] && want="$case/expected-v5.8.yaml"
    cmp -s "$v58" "$want" || fail "$case: kustomize v5.8 differs from ${want##*/}"
  else
    cp "$v55" "$case/expected.yaml"
    if cmp -s "$v55" "$v58"; then rm -f "$case/expected-v5.8.yaml"; else cp "$v58" "$case/expected-v5.8.yaml"; fi
  fi
  rm -f "$v55" "$v58"
done

# tests/errors: every release must refuse them.
for case in tests/errors/*/; do
  for release in v5.5 v5.8; do
    if oracle "$release" "$case" >/dev/null 2>&1; then
      fail "kustomize $release accepts $case, which is meant to be an error case"
    fi
  done
done

# A tree big enough for the parallel paths (tests/many_objects.rs), kept as a digest.
many="$(mktemp -d)"
NEST_KZ_MANY_OBJECTS_TREE="$many" cargo test -q --release --test many_objects big_tree >/dev/null 2>&1 || true
digest=$(oracle v5.5 "$many/overlay" | python3 -c 'import hashlib,sys; t=sys.stdin.buffer.read(); print(hashlib.sha256(t).hexdigest(), t.count(b"\n---\n") + 1)')
rm -rf "$many"
if $check; then
  [ "$digest" = "$(cat tests/golden/many-objects.sha256)" ] || fail "many-objects: kustomize's digest changed"
else
  echo "$digest" > tests/golden/many-objects.sha256
fi

# Helm cases (tests/helm/cases) and ArgoCD cases (tests/argocd): their
# tests re-check each golden live where the oracles are at hand, and
# rewrite them when asked.
helm_env="$(./scripts/install-helm.sh)"
while IFS='=' read -r var path; do export "$var=$path"; done <<<"$helm_env"
if $check; then
  cargo test -q --release --test helm --test argocd
else
  NEST_KZ_HELM_REFRESH=1 NEST_KZ_ARGOCD_REFRESH=1 cargo test -q --release --test helm --test argocd
fi

[ $status -eq 0 ] || exit $status
$check && echo "goldens: every kustomize release still prints them"
cargo test -q --release --test golden --test cli --test many_objects --test nest_tree

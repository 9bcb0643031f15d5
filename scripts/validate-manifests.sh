#!/usr/bin/env bash
# Validates every object nest-kz renders for the Nest overlays, the recipes
# (tests/recipes: every component combination the README offers) and the
# component cases, in strict mode (unknown fields are errors):
# - Kubernetes' own kinds against the JSON schemas shipped by the PyPI
#   package kubernetes-validate, for every Kubernetes version >= 1.24 it
#   ships. KV_PYTHON picks the interpreter whose kubernetes-validate is used
#   (.ci/run runs 1.31.0, which ships 1.24, and 1.37.0, which ships up to 1.37).
# - Custom resources (ServiceMonitor, ExternalSecret, SecretStore,
#   SealedSecret) against their CRDs' schemas in tests/schemas, with
#   scripts/validate-crds.py run by CRD_PYTHON (jsonschema and PyYAML).
set -euo pipefail
cd "$(dirname "$0")/.."
py=${KV_PYTHON:-python3}
crd_py=${CRD_PYTHON:-$py}
"$py" -c 'import kubernetes_validate' 2>/dev/null || "$py" -m pip install -q kubernetes-validate==1.37.0
bin=target/debug/nest-kz
[ -x "$bin" ] || cargo build -q
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
trees=(overlays/dev overlays/staging overlays/prod tests/recipes/* tests/cases/component-*)
for tree in "${trees[@]}"; do
  "$bin" build "$tree" -o "$out/$(echo "$tree" | tr / _).yaml"
done
echo "${#trees[@]} trees built"
versions=$("$py" -c 'import kubernetes_validate.utils as u; key=lambda s: tuple(map(int, s.split("."))); print(" ".join(v for v in sorted(set(u.all_versions()), key=key) if key(v) >= (1, 24)))')
for v in $versions; do
  # --no-warn: CRD kinds have no schema in the package; validate-crds.py checks them.
  "$py" -m kubernetes_validate --strict --quiet --no-warn -k "$v" "$out"/*.yaml
  echo "kubernetes $v: all objects valid"
done
"$crd_py" scripts/validate-crds.py "$out"/*.yaml
# The CRD check must catch what it claims to: an unknown field fails it.
printf 'apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata: {name: x}\nspec:\n  selector: {}\n  endpoints: [{port: metrics, intervall: 30s}]\n' > "$out/bad.yaml"
if "$crd_py" scripts/validate-crds.py "$out/bad.yaml" >/dev/null 2>&1; then
  echo "validate-crds.py accepted an unknown field" >&2; exit 1
fi

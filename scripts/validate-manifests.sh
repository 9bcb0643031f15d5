#!/usr/bin/env bash
# Validates every object nest-kz renders for the Nest overlays (and the
# optional components) against the Kubernetes JSON schemas shipped by the
# PyPI package kubernetes-validate, for every Kubernetes version >= 1.24 it
# ships, in strict mode (unknown fields are errors). KV_PYTHON picks the
# interpreter whose kubernetes-validate is used (.ci/run runs 1.31.0, which
# ships 1.24, and 1.37.0, which ships up to 1.37).
set -euo pipefail
cd "$(dirname "$0")/.."
py=${KV_PYTHON:-python3}
"$py" -c 'import kubernetes_validate' 2>/dev/null || "$py" -m pip install -q kubernetes-validate==1.37.0
bin=target/debug/nest-kz
[ -x "$bin" ] || cargo build -q
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for tree in overlays/dev overlays/staging overlays/prod tests/cases/component-*; do
  "$bin" build "$tree" -o "$out/$(echo "$tree" | tr / _).yaml"
done
versions=$("$py" -c 'import kubernetes_validate.utils as u; key=lambda s: tuple(map(int, s.split("."))); print(" ".join(v for v in sorted(set(u.all_versions()), key=key) if key(v) >= (1, 24)))')
for v in $versions; do
  # --no-warn: CRD kinds (ServiceMonitor, ExternalSecret, SecretStore) have no schema in the package.
  "$py" -m kubernetes_validate --strict --quiet --no-warn -k "$v" "$out"/*.yaml
  echo "kubernetes $v: all objects valid"
done

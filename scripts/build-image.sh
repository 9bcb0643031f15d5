#!/usr/bin/env bash
# Builds the ArgoCD sidecar image (argocd/Dockerfile) with podman, daemonless
# and without any registry: the image is FROM scratch, and this script stages
# its whole root filesystem under dist/image-root first:
#   /usr/local/bin/nest-kz        the static binary (scripts/build-static.sh)
#   /usr/local/bin/helm, helm4    Helm 3 and Helm 4, static (scripts/install-helm.sh)
#   /usr/bin/git + git-core       Debian's git with the shared libraries it
#                                 and its HTTPS helper load (ldd), for remote
#                                 bases; libcurl finds the CA bundle at
#   /etc/ssl/certs/ca-certificates.crt   (Debian's ca-certificates)
#   /etc/passwd, /etc/group       root and argocd (999), for git's user lookups
#   /home/argocd/cmp-server/...   the two plugin configurations
# No shell and no package manager. Prints the image name.
# Usage: scripts/build-image.sh [TAG]   (default nest-kz-sidecar:dev)
set -euo pipefail
cd "$(dirname "$0")/.."
tag="${1:-nest-kz-sidecar:dev}"
./scripts/build-static.sh >/dev/null
helm_env="$(./scripts/install-helm.sh)"
while IFS='=' read -r var path; do export "$var=$path"; done <<<"$helm_env"
root=dist/image-root
rm -rf "$root"
mkdir -p "$root"/{usr/local/bin,usr/bin,usr/lib/git-core,usr/share/git-core/templates,etc/ssl/certs,tmp,var/run/argocd}
mkdir -p "$root"/home/argocd/cmp-server/{config,config-discover,plugins}
install -m 0755 dist/nest-kz "$root/usr/local/bin/nest-kz"
install -m 0755 "$NEST_KZ_HELM3" "$root/usr/local/bin/helm"
install -m 0755 "$NEST_KZ_HELM4" "$root/usr/local/bin/helm4"
install -m 0755 /usr/bin/git "$root/usr/bin/git"
for helper in git-remote-http git-remote-https; do
  install -m 0755 "/usr/lib/git-core/$helper" "$root/usr/lib/git-core/$helper"
done
# Every shared library the programs load, at the path the loader looks for it.
for lib in $(ldd /usr/bin/git /usr/lib/git-core/git-remote-http | awk '$3 ~ /^\// {print $3} $1 ~ /^\// && $1 !~ /:$/ {print $1}' | sort -u); do
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
done
cp -L /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
printf 'root:x:0:0:root:/root:/nonexistent\nargocd:x:999:999:argocd:/home/argocd:/nonexistent\n' > "$root/etc/passwd"
printf 'root:x:0:\nargocd:x:999:\n' > "$root/etc/group"
cp argocd/plugin.yaml "$root/home/argocd/cmp-server/config/plugin.yaml"
cp argocd/plugin-discover.yaml "$root/home/argocd/cmp-server/config-discover/plugin.yaml"
podman build --quiet -f argocd/Dockerfile -t "$tag" . >/dev/null
echo "$tag"

#!/usr/bin/env bash
# Re-captures what each kustomize release prints for every case under
# tests/releases (the trees whose output differs between releases), then
# runs tests/releases.rs against them. Per case and release:
# expected-vX.Y.yaml (stdout) or expected-vX.Y-error.txt (the build fails).
#   v5.5: kubectl kustomize (kubectl 1.32, kustomize v5.5.0)
#   v5.7: kubectl 1.35.2 (kustomize v5.7.1), from scripts/install-oracles.sh
#   v5.8: ../shared/tools/kustomize-v58 (API v0.21.3), same script
# With --check, nothing is written: each golden is compared with the live
# oracle and any difference fails (CI runs this).
set -euo pipefail
cd "$(dirname "$0")/.."
check=false
[ "${1:-}" = "--check" ] && check=true
eval "$(./scripts/install-oracles.sh | sed 's/^/export /')"
shared="$(cd .. && pwd)/shared"
kz58="$shared/tools/kustomize-v58"
kubectl version --client 2>/dev/null | grep -q 'Kustomize Version: v5.5.0' \
  || { echo "kubectl is not kustomize v5.5.0" >&2; exit 1; }
status=0
for case in tests/releases/*/; do
  case=${case%/}
  build=.
  args=()
  env=()
  if [ -f "$case/case.json" ]; then
    build=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("build","."))' "$case/case.json")
    mapfile -t args < <(python3 -c 'import json,sys; [print(a) for a in json.load(open(sys.argv[1])).get("args",[])]' "$case/case.json")
    # Environment values are paths relative to the case (a plugin home).
    mapfile -t env < <(python3 -c 'import json,os,sys; [print(k + "=" + os.path.abspath(os.path.join(os.path.dirname(sys.argv[1]), v))) for k, v in json.load(open(sys.argv[1])).get("env",{}).items()]' "$case/case.json")
  fi
  for release in v5.5 v5.7 v5.8; do
    case $release in
      v5.5) cmd=(kubectl kustomize) ;;
      v5.7) cmd=("$NEST_KZ_KUBECTL_V57" kustomize) ;;
      v5.8) cmd=("$kz58" build) ;;
    esac
    out=$(mktemp); err=$(mktemp)
    if (cd "$case" && env "${env[@]}" "${cmd[@]}" "$build" "${args[@]}" >"$out" 2>"$err"); then
      if $check; then
        if [ ! -f "$case/expected-$release.yaml" ] || ! cmp -s "$out" "$case/expected-$release.yaml"; then
          echo "$case $release: kustomize's output differs from the golden" >&2; status=1
        fi
      else
        cp "$out" "$case/expected-$release.yaml"; rm -f "$case/expected-$release-error.txt"
      fi
    else
      if $check; then
        [ -f "$case/expected-$release-error.txt" ] || { echo "$case $release: kustomize now fails" >&2; status=1; }
      else
        # kubectl's log prefix (time, pid) and Go's pointers would change
        # on every refresh.
        sed -E "s#$PWD/##g; s/^[EIW][0-9]{4} [0-9:.]+ +[0-9]+ [a-z_.]+:[0-9]+\] //; s/^[0-9]{4}\/[0-9]{2}\/[0-9]{2} [0-9:]{8} //; s/0x[0-9a-f]+/0x…/g; s#kust-plugin-config-[0-9]+#kust-plugin-config-N#g" "$err" \
          > "$case/expected-$release-error.txt"
        rm -f "$case/expected-$release.yaml"
      fi
    fi
    rm -f "$out" "$err"
  done
done
$check && [ $status -eq 0 ] && echo "release goldens: every kustomize release still prints them"
[ $status -eq 0 ] && cargo test -q --test releases
exit $status

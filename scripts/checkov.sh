#!/usr/bin/env bash
# Runs checkov's Kubernetes checks on the staging and prod bundles and fails
# on any failed check. Findings kept on purpose are skipped on the object with
# a `checkov.io/skip<N>: CKV_K8S_<id>=<reason>` annotation (base/deployment.yaml);
# the summary lists each skip with its reason. CHECKOV picks the binary
# (.ci/run installs a pinned checkov in target/checkov).
set -euo pipefail
cd "$(dirname "$0")/.."
checkov=${CHECKOV:-checkov}
bin=target/debug/nest-kz
[ -x "$bin" ] || cargo build -q
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for env in staging prod; do
  "$bin" build "overlays/$env" -o "$out/$env.yaml"
  # Exit status 1 means failed checks; the JSON report says which.
  "$checkov" -f "$out/$env.yaml" --framework kubernetes --skip-download --compact \
    -o json > "$out/$env.json" || [ $? -eq 1 ]
  python3 - "$env" "$out/$env.json" <<'PY'
import json, sys
env, path = sys.argv[1], sys.argv[2]
report = json.load(open(path))
if isinstance(report, list):
    (report,) = [r for r in report if r.get("check_type") == "kubernetes"]
summary = report["summary"]
print(f"checkov {env}: {summary['passed']} passed, {summary['failed']} failed, {summary['skipped']} skipped")
for check in report["results"]["skipped_checks"]:
    print(f"  skipped {check['check_id']} on {check['resource']}: {check['check_result'].get('suppress_comment', '')}")
for check in report["results"]["failed_checks"]:
    print(f"  FAILED {check['check_id']} on {check['resource']}: {check['check_name']}")
sys.exit(1 if summary["failed"] or not summary["passed"] else 0)
PY
done

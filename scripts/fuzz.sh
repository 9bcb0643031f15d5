#!/usr/bin/env bash
# Runs every cargo-fuzz target for a bounded time; fails on any crash.
#
# usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
#
# Needs a nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz --locked`).
# Seeds come from every tree in tests/ and ../shared/conformance, generated
# into target/fuzz-corpus at run time; findings land in fuzz/artifacts/.
# Built without a sanitizer (`-s none`): nest-kz's fuzzed code is safe Rust,
# and the targets look for panics, stack overflows, hangs and memory blow-ups
# (libFuzzer's -rss_limit_mb and -timeout).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(yaml_reader kustomization_loader strategic_merge json_patch replacements emit_roundtrip helm_args argocd_params)
fi
corpus=target/fuzz-corpus
python3 scripts/fuzz-seeds.py "$corpus" >/dev/null
cargo +nightly fuzz build -s none
status=0
for t in "${targets[@]}"; do
  mkdir -p "$corpus/$t"
  start=$(date +%s)
  if cargo +nightly fuzz run -s none "$t" "$corpus/$t" -- \
      -max_total_time="$seconds" -timeout=10 -rss_limit_mb=1024 -max_len=65536 \
      -print_final_stats=1 >"target/fuzz-$t.log" 2>&1; then
    runs=$(grep -E '^stat::number_of_executed_units' "target/fuzz-$t.log" | awk '{print $2}')
    echo "fuzz: $t: no crash in $(( $(date +%s) - start )) s (${runs:-?} runs)"
  else
    echo "fuzz: $t: CRASH (see target/fuzz-$t.log and fuzz/artifacts/$t/)"
    grep -E 'panicked|ERROR|SUMMARY|deadly signal|out-of-memory|timeout' "target/fuzz-$t.log" | head -5 || true
    status=1
  fi
done
exit $status

#!/usr/bin/env bash
# Fuzzes what takes untrusted bytes: each cargo-fuzz target (CSR, device
# signature headers, device reports, enrollment codes, the policy file) for
# SECONDS, then Schemathesis against the release server's OpenAPI document
# with EXAMPLES cases per operation. The test command runs a bounded slice
# (30 s a target, 30 examples); run this alone for longer (defaults: 600 s,
# 300). Seeds are in fuzz/seeds/<target>; what a run learns is kept in
# fuzz/corpus/<target>; a crash is written to fuzz/artifacts/<target>/ and
# fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/setup.sh
seconds=${1:-600}
examples=${2:-300}

ensure_cargo_fuzz
ensure_schemathesis

say "building the fuzz targets (coverage-guided libFuzzer, no sanitizer: stable Rust)"
(cd fuzz && cargo fuzz build --sanitizer none)
for target in $(cd fuzz && cargo fuzz list); do
  say "fuzzing $target for $seconds s"
  mkdir -p "fuzz/corpus/$target" "fuzz/artifacts/$target"
  log="fuzz/target/$target.log"
  if ! (cd fuzz && cargo fuzz run --sanitizer none "$target" "corpus/$target" "seeds/$target" -- \
        -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="artifacts/$target/") >"$log" 2>&1; then
    tail -n 40 "$log"
    echo "fuzz target $target failed: see fuzz/artifacts/$target/" >&2
    exit 1
  fi
  grep -E '^(stat::number_of_executed_units|stat::new_units_added|Done)' "$log" || true
done

say "Schemathesis against the release server ($examples cases per operation, as the owner and as another user)"
cargo build --locked --release -p portal-server -p portal-agent
PORTAL_SERVER_BIN=target/release/portal-server PORTAL_AGENT_BIN=target/release/portal-agent \
  python3 tests/schemathesis/run.py "$examples"

#!/usr/bin/env bash
# Fuzzes the parsers that take untrusted input (study.toml, items.csv, panel.csv, consensus
# rules, researchers' email wording, the rating form) on stable Rust with proptest. Each
# target replays its corpus (fuzz/corpus/<target>/, among them every attack that once stopped
# the server), then explores for DELPHI_FUZZ_SECONDS seconds (15 here by default; 3 in a plain
# `cargo test`). The targets of one crate run side by side, so the run takes about
# 3 x DELPHI_FUZZ_SECONDS once built. Each run has a fresh seed, printed first:
# DELPHI_FUZZ_SEED=<seed> scripts/fuzz.sh replays it. A failing input is written to
# target/fuzz-failures/<target>.txt. The full log is target/fuzz.log. See fuzz/harness.rs.
set -euo pipefail
cd "$(dirname "$0")/.."
export DELPHI_FUZZ_SECONDS=${DELPHI_FUZZ_SECONDS:-15}
export DELPHI_FUZZ_SEED=${DELPHI_FUZZ_SEED:-$(date +%s)}
echo "fuzzing every target for ${DELPHI_FUZZ_SECONDS}s, DELPHI_FUZZ_SEED=$DELPHI_FUZZ_SEED"
mkdir -p target
# `--workspace --lib` builds exactly what `cargo test --workspace` built (same features), so
# after the test step nothing new compiles; the targets are the lib tests named fuzz_*.
set +e
cargo test --workspace --lib -- fuzz_ --nocapture --test-threads=8 >target/fuzz.log 2>&1
status=$?
set -e
grep -E '^fuzz |^test .*fuzz_.* \.\.\. |panicked at|^error' target/fuzz.log || true
targets=$(grep -cE '^test .*fuzz_.* \.\.\. ok' target/fuzz.log || true)
if [ "$status" -ne 0 ]; then
  echo "fuzzing FAILED (exit $status); see target/fuzz.log"
  exit "$status"
fi
if [ "$targets" -ne 6 ]; then
  echo "expected 6 fuzz targets to pass, saw $targets; see target/fuzz.log"
  exit 1
fi
echo "fuzzing: $targets targets passed"

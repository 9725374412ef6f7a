#!/usr/bin/env bash
# Browser tests of the panellist and researcher pages and the consensus report: builds the fixture server, runs `node --test` against
# it with Debian's Chromium, and exits non-zero on any failure.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
"$root/scripts/install-browser-test-deps.sh"
# --workspace: the same feature set as `cargo test --workspace`, so nothing is built twice.
cargo build --manifest-path "$root/Cargo.toml" --workspace --example browser_fixture --example sample_report
target_dir="$(cargo metadata --manifest-path "$root/Cargo.toml" --format-version 1 --no-deps \
  | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')"
export DELPHI_BROWSER_FIXTURE="$target_dir/debug/examples/browser_fixture"
mkdir -p "$here/screenshots"
# The consensus report of a synthetic three-round study, for report.test.mjs.
export DELPHI_SAMPLE_REPORT="$here/screenshots/sample_report.html"
"$target_dir/debug/examples/sample_report" "$DELPHI_SAMPLE_REPORT" >/dev/null
cd "$here"
node --test --test-concurrency=1 ./*.test.mjs

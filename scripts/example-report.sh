#!/usr/bin/env bash
# Regenerates docs/example-report.html, the consensus report of the demo study, the way a
# researcher would get it: `delphi demo --no-serve` prepares the link-worker leadership study
# (round 1 answered by three quarters of the panel and closed, round 2 open) in a scratch
# folder, then `delphi export --format html` writes the report.
#
# The demo's ratings come from a fixed seed; the hidden `--fixed-clock` option moves every
# recorded time by whole days onto a fixed date, so the file only changes when the demo, the
# report or the platform's version changes.
#
#   scripts/example-report.sh            # writes docs/example-report.html
#   scripts/example-report.sh OUT.html   # writes elsewhere
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-docs/example-report.html}
cargo build --quiet -p delphi-cli
bin="${CARGO_TARGET_DIR:-$PWD/target}/debug/delphi"
export DELPHI_LOG=error
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
"$bin" demo --no-serve --bind 127.0.0.1:0 --data-dir "$scratch/demo" >/dev/null
(
  cd "$scratch"
  DELPHI_DATABASE_URL="sqlite://$scratch/demo/delphi.db" \
    "$bin" export --study splw-leadership --format html --out "$scratch/report.html" \
    --fixed-clock 2026-03-02T09:00:00Z
)
cat "$scratch/report.html" >"$out"
echo "wrote $out"

#!/usr/bin/env bash
# `delphi analyse` against pandas on the same 10M-row ratings CSV, side by side in one run.
#
# Generates a seeded file (10,000 panellists x 1,000 items, one round, ~5 % unable to rate,
# four stakeholder groups), then times, end to end as a user would run them:
#   delphi: target/release/delphi analyse FILE --out report.json  (every statistic of
#           STATISTICS.md, panel and groups, Kendall's W, written as JSON)
#   pandas: scripts/pandas_analyse.py FILE  (read_csv, then per item median, Q1/Q3, mean, SD
#           and percent in 7-9 only)
# Each is run RUNS times, alternating, on a warm page cache; the best time of each is
# reported with the ratio. Not run in CI (it takes about a minute and needs pandas).
#
# Usage: scripts/bench-analyse-vs-pandas.sh   (env: PANELLISTS, ITEMS, RUNS, DELPHI_BIN, WORK)
set -euo pipefail
cd "$(dirname "$0")/.."

PANELLISTS=${PANELLISTS:-10000}
ITEMS=${ITEMS:-1000}
RUNS=${RUNS:-3}
WORK=${WORK:-$(mktemp -d)}
PYTHON=${PYTHON:-python3}

if ! "$PYTHON" -c 'import pandas, numpy' 2>/dev/null; then
    echo "installing pandas and numpy with pip" >&2
    "$PYTHON" -m pip install --quiet pandas numpy
fi

if [ -z "${DELPHI_BIN:-}" ]; then
    cargo build --release -p delphi-cli >&2
    DELPHI_BIN=target/release/delphi
fi

CSV="$WORK/ratings_${PANELLISTS}x${ITEMS}.csv"
if [ ! -f "$CSV" ]; then
    echo "generating $CSV" >&2
    "$PYTHON" scripts/gen_ratings.py "$CSV" --panellists "$PANELLISTS" --items "$ITEMS"
fi
ROWS=$(( $(wc -l < "$CSV") - 1 ))
cat "$CSV" > /dev/null   # warm the page cache for both

"$PYTHON" - "$DELPHI_BIN" "$CSV" "$WORK/report.json" "$RUNS" "$ROWS" "$PANELLISTS" "$ITEMS" "$PYTHON" <<'PY'
import subprocess, sys, time

delphi, csv, report, runs, rows, panellists, items, python = sys.argv[1:]
commands = {
    "delphi analyse": [delphi, "analyse", csv, "--out", report],
    "pandas": [python, "scripts/pandas_analyse.py", csv],
}
best = {}
for run in range(1, int(runs) + 1):
    line = []
    for name, cmd in commands.items():   # alternate, so both see the same machine load
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        took = time.perf_counter() - start
        best[name] = min(best.get(name, took), took)
        line.append(f"{name} {took:.3f} s")
    print(f"run {run}: " + ", ".join(line))
print(f"\n{rows} rows ({panellists} panellists x {items} items), best of {runs} runs:")
for name, took in best.items():
    print(f"  {name:15} {took:.3f} s")
print(f"  speed-up:       {best['pandas'] / best['delphi analyse']:.1f}x")
PY

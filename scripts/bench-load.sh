#!/usr/bin/env bash
# Benchmarks with the load generator (crates/delphi-load) against release builds of
# `delphi serve`, client and server on this machine (they share its cores, so the figures
# are a floor for a server with a machine of its own). In one command:
#   1. SQLite, durable (synchronous=FULL, group commit): RATE requests/s offered by PANEL
#      panellists, RUNS runs of DURATION s: throughput, p99 per run, worst and median;
#   2. SQLite capacity: the highest rate of SWEEP with p99 < 50 ms and no errors;
#   3. the same two on PostgreSQL (a fresh database, dropped afterwards);
#   4. actix-web's plain hello-world (crates/delphi-load/examples/hello.rs): its capacity
#      under the same rule, and our ratio to it.
# Each run's JSON summary and its timeline (every measured request as CSV: when it was due,
# its kind and latency, to see when in a run the slow ones came) are kept in
# target/bench-load/. Not run in CI.
#
# Usage: scripts/bench-load.sh [--runs N] [--duration S] [--panel N] [--rate R]
#          [--sweep "R1 R2 ..."] [--hello-sweep "R1 R2 ..."] [--backends "sqlite postgres"]
#          [--debug]   (debug builds: only to check the harness itself, figures meaningless)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=5 DURATION=10 PANEL=200 RATE=3000
SWEEP="2000 3000 4000 5000 6000 8000 10000 12000"
HELLO_SWEEP="5000 10000 20000 30000 40000 60000"
BACKENDS="sqlite postgres" PROFILE=release
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --panel) PANEL=$2; shift 2 ;;
    --rate) RATE=$2; shift 2 ;;
    --sweep) SWEEP=$2; shift 2 ;;
    --hello-sweep) HELLO_SWEEP=$2; shift 2 ;;
    --backends) BACKENDS=$2; shift 2 ;;
    --debug) PROFILE=debug; shift ;;
    *) echo "unknown option $1 (see the head of $0)" >&2; exit 2 ;;
  esac
done
release=--release
if [ "$PROFILE" = debug ]; then release=""; fi
cargo build -q $release -p delphi-cli -p delphi-load
cargo build -q $release -p delphi-load --example hello
bin=target/$PROFILE/delphi load=target/$PROFILE/delphi-load hello=target/$PROFILE/examples/hello
out=target/bench-load/$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$out"
work=$(mktemp -d) server="" pg_db=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  if [ -n "$pg_db" ]; then
    psql -q -h 127.0.0.1 -p 5432 -U postgres -d postgres -c "DROP DATABASE IF EXISTS $pg_db" >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_up() { # url
  for _ in $(seq 1 150); do curl -fs "$1" >/dev/null 2>&1 && return 0; sleep 0.2; done
  echo "bench: $1 did not answer" >&2; exit 1
}
# One line per run from its JSON summary: rate offered, answered/s, p50, p99, max, errors.
show() { python3 -c '
import json, sys
s = json.loads(sys.stdin.read())
a = s["all"]
saves = [k for k in s["kinds"] if k["kind"] == "save"]
save_p99 = " (saves alone p99 %7.2f ms)" % saves[0]["p99_ms"] if saves else ""
print("  offered %6.0f/s  answered %7.1f/s  p50 %6.2f ms  p99 %7.2f ms  max %8.2f ms  errors %d%s"
      % (s["offered_per_second"], a["per_second"], a["p50_ms"], a["p99_ms"], a["max_ms"], s["errors"], save_p99))'; }
# Worst and median over the runs of a file of JSON summaries.
runs_summary() { python3 - "$1" <<'PY'
import json, statistics, sys
runs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
p99 = [r["all"]["p99_ms"] for r in runs]
thr = [r["all"]["per_second"] for r in runs]
ok = all(r["all"]["p99_ms"] < 50 and r["errors"] == 0 for r in runs)
print("  %d runs: throughput median %.0f/s, worst %.0f/s; p99 median %.2f ms, worst %.2f ms; every run p99 < 50 ms and no errors: %s"
      % (len(runs), statistics.median(thr), min(thr), statistics.median(p99), max(p99), "yes" if ok else "NO"))
PY
}
# The highest offered rate of a sweep file with p99 < 50 ms, no errors, >= 95 % answered.
capacity() { python3 - "$1" <<'PY'
import json, sys
best = 0
for line in open(sys.argv[1]):
    if not line.strip():
        continue
    r = json.loads(line)
    a = r["all"]
    if a["p99_ms"] < 50 and r["errors"] == 0 and a["per_second"] >= 0.95 * r["offered_per_second"]:
        best = max(best, r["offered_per_second"])
print(int(best))
PY
}

echo "== $PROFILE build; machine: $(nproc) cores; $(uptime)"
declare -A cap
for backend in $BACKENDS; do
  case "$backend" in
    sqlite) url="sqlite://$work/bench.db" ;;
    postgres) url=$(scripts/postgres-test-db.sh); pg_db=${url##*/} ;;
    *) echo "unknown backend $backend" >&2; exit 2 ;;
  esac
  port=$(free_port)
  export DELPHI_DATABASE_URL=$url DELPHI_BIND=127.0.0.1:$port DELPHI_BASE_URL=http://127.0.0.1:$port
  export DELPHI_MAIL=file://$work/mail-$backend DELPHI_SECRET_KEY
  DELPHI_SECRET_KEY=$(head -c 32 /dev/urandom | base64)
  export DELPHI_RATE_LIMIT_PAGES=1000000/1000000 DELPHI_RATE_LIMIT_API=1000000/1000000
  # Saves by a remembered link read nothing (save_cache.rs), so PostgreSQL's readers serve
  # only pages; 8 of them keep fewer server processes competing for this machine's 2 cores
  # (32 gave a p99 several times higher at 3,000/s).
  if [ "$backend" = postgres ]; then export DELPHI_DATABASE_POOL_SIZE=8; else unset DELPHI_DATABASE_POOL_SIZE; fi
  "$load" setup --panel "$PANEL" --items 60 --slug "bench-$backend" --out "$work/study-$backend.json" >/dev/null
  "$bin" serve >"$work/server-$backend.log" 2>&1 &
  server=$!
  wait_up "$DELPHI_BASE_URL/healthz"
  echo "== $backend: $RATE requests/s offered by $PANEL panellists, $RUNS runs of $DURATION s"
  for run in $(seq 1 "$RUNS"); do
    "$load" run --base "$DELPHI_BASE_URL" --study "$work/study-$backend.json" --rate "$RATE" \
      --concurrency "$PANEL" --duration "$DURATION" --json --timeline "$out/$backend-run$run.csv" \
      | tee -a "$out/$backend-runs.jsonl" | show
  done
  runs_summary "$out/$backend-runs.jsonl"
  echo "== $backend: capacity sweep ($PANEL panellists, $DURATION s per rate)"
  for rate in $SWEEP; do
    "$load" run --base "$DELPHI_BASE_URL" --study "$work/study-$backend.json" --rate "$rate" \
      --concurrency "$PANEL" --duration "$DURATION" --json --timeline "$out/$backend-sweep$rate.csv" \
      | tee -a "$out/$backend-sweep.jsonl" | show
  done
  cap[$backend]=$(capacity "$out/$backend-sweep.jsonl")
  echo "  $backend capacity with p99 < 50 ms: ${cap[$backend]} requests/s"
  kill "$server"; wait "$server" 2>/dev/null || true; server=""
done

port=$(free_port)
"$hello" "127.0.0.1:$port" 2 >"$work/hello.log" 2>&1 &
server=$!
wait_up "http://127.0.0.1:$port/"
echo "== hello-world ceiling: capacity sweep ($PANEL connections, $DURATION s per rate)"
for rate in $HELLO_SWEEP; do
  "$load" run --hello --base "http://127.0.0.1:$port" --rate "$rate" --concurrency "$PANEL" \
    --duration "$DURATION" --json | tee -a "$out/hello-sweep.jsonl" | show
done
cap[hello]=$(capacity "$out/hello-sweep.jsonl")
kill "$server"; wait "$server" 2>/dev/null || true; server=""
echo "  hello-world capacity with p99 < 50 ms: ${cap[hello]} requests/s"
for backend in $BACKENDS; do
  python3 -c "import sys; c, h = map(float, sys.argv[1:]); print('  %s: %.0f/s, %.1f %% of the hello-world ceiling' % (sys.argv[0] if False else '$backend', c, 100 * c / h if h else 0))" "${cap[$backend]}" "${cap[hello]}"
done
echo "== load after the run: $(uptime)"
echo "results: $out"

#!/usr/bin/env bash
# Crash test: under load, `kill -9` the server, restart it, again; then every save that
# received a success response must be in the database, every acknowledged submission
# recorded, and the database sound (SQLite's integrity and foreign-key checks). Runs on
# SQLite, and on PostgreSQL when DELPHI_TEST_POSTGRES_URL is set (.ci/run sets it; a fresh
# database is made here and dropped afterwards). On SQLite, `delphi backup` also runs under
# load and its copy must open. About 30 s per backend.
#
# The load is delphi-load: 100 panellists saving 20 items at 400 requests/s offered, open
# loop; it records per panellist and item the last acknowledged rating and any rating sent
# after it without an answer (those may or may not be stored), and `delphi-load verify`
# checks the database against that after the last restart.
#
# Usage: scripts/test-crash.sh [sqlite|postgres ...]   (default: both when possible)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q -p delphi-cli -p delphi-load
bin=target/debug/delphi load=target/debug/delphi-load
work=$(mktemp -d) server="" pg_db=""
cleanup() {
  if [ -n "$server" ]; then kill -9 "$server" 2>/dev/null || true; fi
  if [ -n "$pg_db" ]; then
    psql -q -h 127.0.0.1 -p 5432 -U postgres -d postgres -c "DROP DATABASE IF EXISTS $pg_db" >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

start_server() {
  "$bin" serve >>"$work/server.log" 2>&1 &
  server=$!
  for _ in $(seq 1 150); do
    if curl -fs "$DELPHI_BASE_URL/healthz" >/dev/null 2>&1; then return 0; fi
    if ! kill -0 "$server" 2>/dev/null; then break; fi
    sleep 0.2
  done
  echo "crash test: the server did not start; its log:" >&2
  tail -n 30 "$work/server.log" >&2
  exit 1
}

crash_test() { # label, database URL
  local label=$1 port
  port=$(free_port)
  export DELPHI_DATABASE_URL=$2 DELPHI_BIND=127.0.0.1:$port DELPHI_BASE_URL=http://127.0.0.1:$port
  export DELPHI_MAIL=file://$work/mail-$label DELPHI_SECRET_KEY
  DELPHI_SECRET_KEY=$(head -c 32 /dev/urandom | base64)
  # One client address sends everything here: no per-address limit in the way.
  export DELPHI_RATE_LIMIT_PAGES=1000000/1000000 DELPHI_RATE_LIMIT_API=1000000/1000000
  echo "== crash test on $label"
  "$load" setup --panel 100 --items 20 --slug crash --out "$work/study-$label.json"
  local acks=()
  for cycle in 1 2 3; do
    start_server
    "$load" run --base "$DELPHI_BASE_URL" --study "$work/study-$label.json" --rate 400 \
      --duration 5 --warmup 0 --acks "$work/acks-$label-$cycle.json" >"$work/run-$label-$cycle.txt" &
    local loader=$!
    if [ "$label" = sqlite ] && [ "$cycle" = 1 ]; then
      # A backup taken under load is a consistent, sound copy (checked by the command).
      sleep 1
      "$bin" backup --out "$work/backup.db" >/dev/null
      DELPHI_DATABASE_URL="sqlite://$work/backup.db" "$bin" study list | grep -q crash
      echo "backup under load: ok"
    fi
    sleep "$(( 2 + RANDOM % 2 )).$(( RANDOM % 10 ))"
    kill -9 "$server"
    wait "$server" 2>/dev/null || true
    server=""
    wait "$loader"
    echo "cycle $cycle: killed under load; $(head -n 1 "$work/run-$label-$cycle.txt")"
    acks+=("$work/acks-$label-$cycle.json")
  done
  # The restarted server recovers the database and serves again.
  start_server
  curl -fs "$DELPHI_BASE_URL/healthz" >/dev/null
  kill -9 "$server"; wait "$server" 2>/dev/null || true; server=""
  "$load" verify --study "$work/study-$label.json" --acks "${acks[@]}"
}

backends=("$@")
if [ ${#backends[@]} -eq 0 ]; then
  backends=(sqlite)
  if [ -n "${DELPHI_TEST_POSTGRES_URL:-}" ]; then backends+=(postgres); fi
fi
for backend in "${backends[@]}"; do
  case "$backend" in
    sqlite) crash_test sqlite "sqlite://$work/crash.db" ;;
    postgres)
      url=$(scripts/postgres-test-db.sh)
      pg_db=${url##*/}
      crash_test postgres "$url"
      ;;
    *) echo "unknown backend $backend (sqlite or postgres)" >&2; exit 2 ;;
  esac
done
echo "crash test: ok"

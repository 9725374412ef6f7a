#!/usr/bin/env bash
# Ratings saved through HTTP on SQLite (DESIGN.md: 200 concurrent panellists, >= 3,000
# saves/s, p99 < 50 ms, each acknowledged save durable), measured two ways in one run:
#   1. open loop: crates/delphi-web/examples/save_load.rs offers RATE saves/s from PANEL
#      panellists, latency counted from when each save was due, then reopens the database
#      and checks every acknowledged last answer;
#   2. capacity: wrk (Debian's package) with 20 and 200 keep-alive connections as fast as
#      the server answers, against the same server with the same study.
# Client and server share this machine's cores. Not run in CI (about a minute).
#
# Usage: scripts/bench-save-load.sh   (env: PANEL, DURATION in seconds, RATE)
set -euo pipefail
cd "$(dirname "$0")/.."
PANEL=${PANEL:-200} DURATION=${DURATION:-10} RATE=${RATE:-3000}
cargo build --release -p delphi-web --example save_load >&2
bin=target/release/examples/save_load

echo "== open loop: $RATE saves/s offered by $PANEL panellists for $DURATION s"
"$bin" "$PANEL" "$DURATION" "$RATE"

if ! command -v wrk >/dev/null 2>&1; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >/dev/null 2>&1 \
    || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >/dev/null; }
fi
file=$(mktemp)
SAVE_LOAD_SERVE_ONLY=$file "$bin" "$PANEL" &
server=$!
trap 'kill $server 2>/dev/null || true; rm -f "$file"' EXIT
for _ in $(seq 1 100); do [ -s "$file" ] && break; sleep 0.2; done
base=$(head -n 1 "$file")
for connections in 20 200; do
  echo "== capacity: wrk, $connections connections, 10 s"
  SAVE_LOAD_FILE=$file wrk -t1 -c"$connections" -d10s --latency -s scripts/save-load.lua "$base" \
    | grep -E "Requests/sec|  50%|  99%|Non-2xx"
done

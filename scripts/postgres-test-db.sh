#!/usr/bin/env bash
# Makes sure PostgreSQL answers on 127.0.0.1:5432 and prints a URL for the test suites.
# Each test creates and drops its own database under it (delphi-store's TestDb).
set -euo pipefail
host=127.0.0.1 port=5432 user=postgres
if ! pg_isready -q -h "$host" -p "$port" 2>/dev/null; then
  if command -v pg_ctlcluster >/dev/null 2>&1; then
    version=$(ls /etc/postgresql | sort -V | tail -n 1)
    pg_ctlcluster --skip-systemctl-redirect "$version" main start >&2 || true
  fi
  for _ in $(seq 1 30); do pg_isready -q -h "$host" -p "$port" && break; sleep 1; done
fi
pg_isready -q -h "$host" -p "$port" || { echo "PostgreSQL is not reachable on $host:$port" >&2; exit 1; }
# A throwaway database for this run, so stray objects never reach a shared one.
db="delphi_ci_$(date +%s)_$$"
psql -q -h "$host" -p "$port" -U "$user" -d postgres -c "CREATE DATABASE $db" >&2
echo "postgres://$user@$host:$port/$db"

#!/usr/bin/env bash
# cargo deny with deny.toml: licences, banned and duplicate crates, sources, then security
# advisories. Installs cargo-deny once (`cargo install --locked cargo-deny`, about 6 minutes of
# CPU on 2 cores; skipped when present).
#
# The advisories come from the RustSec database, a git repository on GitHub. When it cannot
# be fetched (this machine resolves no github.com), the advisory check is reported as NOT RUN
# with the fetch error and the script still fails unless DELPHI_DENY_ADVISORIES=optional: a
# missing check must never read as a pass. .ci/run sets it to optional on purpose and says so.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cargo-deny >/dev/null 2>&1; then
  echo "== installing cargo-deny (cargo install --locked cargo-deny)"
  started=$(date +%s)
  cargo install --locked cargo-deny
  echo "installed cargo-deny in $(( $(date +%s) - started ))s"
fi
cargo deny --version

echo "== cargo deny check bans licenses sources"
cargo deny --log-level warn check bans licenses sources

echo "== cargo deny check advisories"
if fetch_log=$(cargo deny --log-level error fetch db 2>&1); then
  cargo deny --log-level warn check advisories
else
  echo "ADVISORIES NOT CHECKED: the RustSec advisory database could not be fetched:"
  echo "$fetch_log" | sed 's/^/    /'
  if [ "${DELPHI_DENY_ADVISORIES:-required}" != optional ]; then
    echo "(set DELPHI_DENY_ADVISORIES=optional to go on without them)"
    exit 1
  fi
fi

#!/usr/bin/env bash
# The project's test command (README): installs what the tests need, then runs every suite.
#   - Rust unit and integration tests on SQLite (and on PostgreSQL when
#     DELPHI_TEST_POSTGRES_URL is set; .ci/run sets it),
#   - email tests against a real SMTP server on loopback,
#   - browser tests (Playwright driving Debian's Chromium),
#   - the exports' R and SPSS scripts run by R and PSPP (Debian packages).
# Set DELPHI_SKIP_BROWSER=1 to leave out the browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."
for installer in scripts/install-smtp-test-server.sh scripts/install-browser-test-deps.sh \
  scripts/install-r.sh; do
  if [ -x "$installer" ]; then "$installer"; fi
done
echo "== cargo test --workspace"
cargo test --workspace
if [ "${DELPHI_SKIP_BROWSER:-0}" != 1 ] && [ -x web/tests/run.sh ]; then
  echo "== browser tests"
  web/tests/run.sh
fi

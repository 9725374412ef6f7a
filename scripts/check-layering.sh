#!/usr/bin/env bash
# Checks the invariants of docs/ARCHITECTURE.md that the compiler does not.
set -euo pipefail
cd "$(dirname "$0")/.."
fail=0
no_dep() { # crate, dependency
  if cargo tree -q -e normal -p "$1" -i "$2" >/dev/null 2>&1; then
    echo "layering: $1 must not depend on $2:"; cargo tree -e normal -p "$1" -i "$2" | head -20; fail=1
  fi
}
# Pure crates do no I/O and know nothing of storage, the web or email.
for pure in delphi-stats delphi-core; do
  for dep in diesel actix-web lettre handlebars tokio; do no_dep "$pure" "$dep"; done
done
no_dep delphi-render diesel
# The renderers render a StudyRecord they are given: no storage, web or email.
for dep in diesel actix-web lettre tokio; do no_dep delphi-report "$dep"; done
# Only delphi-store names diesel, in its manifest and in its code.
for manifest in crates/*/Cargo.toml; do
  case "$manifest" in crates/delphi-store/*) continue ;; esac
  if grep -qE '^\s*diesel' "$manifest"; then echo "layering: $manifest names diesel"; fail=1; fi
done
if grep -rlE '\bdiesel::' crates --include='*.rs' | grep -v '^crates/delphi-store/'; then
  echo "layering: the files above name diesel outside delphi-store"; fail=1
fi
# Handlers never send email themselves: only delphi-mail names lettre.
for manifest in crates/*/Cargo.toml; do
  case "$manifest" in crates/delphi-mail/*) continue ;; esac
  if grep -qE '^\s*lettre' "$manifest"; then echo "layering: $manifest names lettre"; fail=1; fi
done
[ "$fail" = 0 ] && echo "layering: ok"
exit "$fail"

#!/usr/bin/env bash
# Fails when Rust code compares a stored state or kind as a string instead of using the enums
# of crates/delphi-core/src/states.rs (the one place that maps words to states), or reads a
# stored result through serde_json::Value instead of `delphi_core::StoredResult`.
#
#   scripts/check-states.sh              check crates/
#   scripts/check-states.sh --self-test  prove the check fails on each kind of violation
set -euo pipefail
cd "$(dirname "$0")/.."
mapping=crates/delphi-core/src/states.rs

# A line may say why a word is not a state with the marker `not-a-state:` in a comment (an
# output column of `delphi analyse`, a form's button value, a TLS mode).
#
# Every word the mapping gives a state: the `Variant => "word"` lines of its text_enum!s.
words=$(grep -oE '=> "[a-z_]+",' "$mapping" | sed -E 's/=> "([a-z_]+)",/\1/' | sort -u | paste -sd'|')
[ -n "$words" ] || { echo "check-states: no state words found in $mapping"; exit 2; }

check() { # root folder
  local root=$1 found=0 hits
  # 1. A state word compared with == or !=, matched as a case, or asserted equal.
  local compare="(==|!=)[[:space:]]*\"($words)\"|\"($words)\"[[:space:]]*(==|!=)|(^|[{,|])[[:space:]]*\"($words)\"[[:space:]]*(\\|[^=]*)?=>|assert_(eq|ne)!\\([^;]*,[[:space:]]*\"($words)\"[[:space:]]*[,)]|Some\\(\"($words)\"\\)"
  hits=$(grep -rnE --include='*.rs' "$compare" "$root" | grep -v "^$root/${mapping#crates/}:" \
    | grep -v 'not-a-state:' || true)
  if [ -n "$hits" ]; then
    echo "check-states: a state or kind is compared as a string (use the enums of $mapping):"
    echo "$hits"
    found=1
  fi
  # 2. A stored result read as untyped JSON outside delphi-store.
  local paths='\["(statistics|classification|quantile_type|change|rule)"\]'
  local parse='from_str::<serde_json::Value>|:[[:space:]]*serde_json::Value[[:space:]]*=[[:space:]]*serde_json::from_str'
  hits=$(grep -rnE --include='*.rs' "$paths" "$root" | grep -v "^$root/delphi-store/" || true)
  for file in $(grep -rlE --include='*.rs' "$parse" "$root" | grep -v "^$root/delphi-store/" || true); do
    if grep -qE 'ResultRow|results::for_round|\.stats\b' "$file"; then
      hits+=$'\n'$(grep -nE "$parse" "$file" | sed "s|^|$file:|")
    fi
  done
  hits=$(printf '%s' "$hits" | sed '/^$/d')
  if [ -n "$hits" ]; then
    echo "check-states: a stored result is read through serde_json::Value (use delphi_core::StoredResult):"
    echo "$hits"
    found=1
  fi
  return "$found"
}

if [ "${1:-}" = "--self-test" ]; then
  tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
  mkdir -p "$tmp/x/src"
  for bad in 'if round.status == "open" {}' 'match kind { "reminder" => 1, _ => 0 }' \
             'assert_eq!(row.status, "failed");' 'let m = row.stats["statistics"]["median"];' \
             'let v: serde_json::Value = serde_json::from_str(&row.stats)?; // ResultRow'; do
    printf 'fn f() { %s }\n' "$bad" >"$tmp/x/src/bad.rs"
    if check "$tmp" >/dev/null; then echo "check-states self-test: missed: $bad"; exit 1; fi
  done
  printf 'fn f() { if round.status == RoundStatus::Open {} }\n' >"$tmp/x/src/bad.rs"
  check "$tmp" >/dev/null || { echo "check-states self-test: flagged clean code"; exit 1; }
  echo "check-states: self-test ok"
  exit 0
fi

check crates && echo "check-states: ok"

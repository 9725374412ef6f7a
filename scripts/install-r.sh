#!/usr/bin/env bash
# Installs what the export tests run the generated scripts with, idempotently: R (Rscript,
# base R only) and GNU PSPP (runs SPSS syntax), from Debian's packages without recommends.
# About 8 s each on the CI machine once the package lists are fresh.
set -euo pipefail
missing=()
command -v Rscript >/dev/null 2>&1 || missing+=(r-base-core)
command -v pspp >/dev/null 2>&1 || missing+=(pspp)
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y --no-install-recommends "${missing[@]}"
fi
Rscript --version
pspp --version | head -1

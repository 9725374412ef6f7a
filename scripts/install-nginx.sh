#!/usr/bin/env bash
# Installs nginx from Debian's packages for scripts/test-deployment.sh (and a real
# deployment: docs/deployment.md). Idempotent: does nothing when nginx is already there. The
# package's own service is not started here; the test runs its own nginx with the project's
# configuration (deploy/nginx/).
set -euo pipefail
if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then
  exit 0
fi
echo "== installing nginx (Debian package)"
export DEBIAN_FRONTEND=noninteractive
# policy-rc.d keeps the package from starting its default site on port 80 while installing.
policy=/usr/sbin/policy-rc.d created_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && created_policy=1
fi
if ! apt-get install -y -q nginx >/dev/null; then
  apt-get update -q >/dev/null
  apt-get install -y -q nginx >/dev/null
fi
if [ "$created_policy" = 1 ]; then rm -f "$policy"; fi
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]

#!/usr/bin/env bash
# Installs the SMTP server the email tests talk to on loopback: Debian's python3-aiosmtpd,
# run by crates/delphi-mail/tests/support/smtp_sink.py under /usr/bin/python3 (the pyenv
# python3 on PATH does not have it). Idempotent: does nothing when it is already there.
set -euo pipefail
if /usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null; then
  exit 0
fi
echo "== installing python3-aiosmtpd (loopback SMTP server for the email tests)"
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y -q python3-aiosmtpd >/dev/null; then
  apt-get update -q >/dev/null
  apt-get install -y -q python3-aiosmtpd >/dev/null
fi
/usr/bin/python3 -c 'import aiosmtpd'

#!/usr/bin/env bash
# Deployment test: two `delphi serve` instances on one PostgreSQL database, behind nginx
# (Debian's package) with TLS, started together, their outbox workers sending to a real SMTP
# server on loopback (aiosmtpd). Under load through nginx (delphi-load: 100 panellists
# opening the page, consenting, saving every item and submitting, open loop, at the default
# per-address rate limits: they all come from one address), then two researchers, each
# signed in through nginx, press close at once (the JSON API behind the close button, one
# request reaching each instance). Checks: every acknowledged save and submission is stored
# (none lost), one answer per panellist and item (none duplicated), both instances served,
# no link token in nginx's access log, exactly one close answered 200 and the other 409, the
# round closed once, every queued email delivered and no Message-ID received twice. (How the
# instances read the client address behind a trusted proxy is tested in delphi-web's
# `limits` tests.) Needs DELPHI_TEST_POSTGRES_URL's server (.ci/run sets it;
# scripts/postgres-test-db.sh starts it). About a minute.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-nginx.sh
scripts/install-smtp-test-server.sh
cargo build -q -p delphi-cli -p delphi-load
bin=$PWD/target/debug/delphi load=$PWD/target/debug/delphi-load
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
work=$(mktemp -d) pids=() pg_db=""
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  if [ -f "$work/nginx.pid" ]; then kill "$(cat "$work/nginx.pid")" 2>/dev/null || true; fi
  if [ -n "$pg_db" ]; then
    psql -q -h 127.0.0.1 -p 5432 -U postgres -d postgres -c "DROP DATABASE IF EXISTS $pg_db" >/dev/null 2>&1 || true
  fi
  if [ -n "${KEEP_WORK:-}" ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
fail() { echo "deployment test FAILED: $*" >&2; for log in "$work"/*.log; do echo "--- $log" >&2; tail -n 15 "$log" >&2; done; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_for() { # what, command...
  local what=$1; shift
  for _ in $(seq 1 150); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  fail "$what did not come up"
}

url=$(scripts/postgres-test-db.sh)
pg_db=${url##*/}
sql() { psql -qtA -h 127.0.0.1 -p 5432 -U postgres -d "$pg_db" -c "$1"; }
a=$(free_port) b=$(free_port) https=$(free_port) http=$(free_port) smtp=$(free_port)

echo "== TLS certificate for 127.0.0.1 and localhost, from a throwaway CA made here"
# A CA and a server certificate it signs (a certificate verifier refuses a CA certificate
# as the server's own, and a self-signed server certificate as its own CA).
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=delphi test CA" \
  -keyout "$work/ca.key" -out "$work/ca.crt" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj /CN=localhost \
  -keyout "$work/delphi.key" -out "$work/delphi.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >"$work/ext.cnf"
openssl x509 -req -in "$work/delphi.csr" -CA "$work/ca.crt" -CAkey "$work/ca.key" \
  -CAcreateserial -days 2 -extfile "$work/ext.cnf" -out "$work/delphi.crt" 2>/dev/null

echo "== nginx with deploy/nginx/delphi.conf"
mkdir -p "$work/nginx-tmp"
sed -e "s|127.0.0.1:8081|127.0.0.1:$a|; s|127.0.0.1:8082|127.0.0.1:$b|" \
    -e "s|listen 443 |listen 127.0.0.1:$https |; s|listen 80;|listen 127.0.0.1:$http;|" \
    -e "s|/etc/ssl/delphi/|$work/|g; s|/var/log/nginx/delphi.access.log|$work/access.log|" \
    -e "s|server_name delphi.example.org;|server_name localhost 127.0.0.1;|" \
    deploy/nginx/delphi.conf >"$work/delphi.conf"
cat >"$work/nginx.conf" <<CONF
user root;
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log warn;
events { worker_connections 1024; }
http {
    client_body_temp_path $work/nginx-tmp/body;
    proxy_temp_path $work/nginx-tmp/proxy;
    fastcgi_temp_path $work/nginx-tmp/fastcgi;
    uwsgi_temp_path $work/nginx-tmp/uwsgi;
    scgi_temp_path $work/nginx-tmp/scgi;
    include $work/delphi.conf;
}
CONF
"$nginx_bin" -t -q -c "$work/nginx.conf" -p "$work" || fail "nginx refused the configuration"
"$nginx_bin" -c "$work/nginx.conf" -p "$work"

echo "== SMTP server on loopback"
/usr/bin/python3 crates/delphi-mail/tests/smtp/smtp_sink.py --port "$smtp" --dir "$work/inbox" >"$work/smtp.log" 2>&1 &
pids+=($!)
wait_for "the SMTP server" grep -q READY "$work/smtp.log"

echo "== two instances on one PostgreSQL database, started together"
export DELPHI_DATABASE_URL=$url DELPHI_SECRET_KEY DELPHI_BASE_URL=https://localhost:$https
DELPHI_SECRET_KEY=$(head -c 32 /dev/urandom | base64)
export DELPHI_MAIL="smtp://127.0.0.1:$smtp?tls=none" DELPHI_TRUSTED_PROXIES=127.0.0.1
for port in $a $b; do
  DELPHI_BIND=127.0.0.1:$port "$bin" serve >"$work/instance-$port.log" 2>&1 &
  pids+=($!)
done
for port in $a $b; do wait_for "the instance on $port" curl -fs "http://127.0.0.1:$port/healthz"; done
wait_for "nginx" curl -fs --cacert "$work/ca.crt" "https://127.0.0.1:$https/healthz"

echo "== a study of 100 panellists and 8 items, round 1 open (100 invitations queued)"
"$load" setup --panel 100 --items 8 --slug deploy --out "$work/study.json"

echo "== load through nginx: 150 requests/s for 8 s"
"$load" run --base "https://127.0.0.1:$https" --ca-cert "$work/ca.crt" --study "$work/study.json" \
  --rate 150 --duration 8 --warmup 0 --acks "$work/acks.json" --strict | tee "$work/run.txt"
"$load" verify --study "$work/study.json" --acks "$work/acks.json"

echo "== both instances served (nginx's access log names the upstream of each request)"
for port in $a $b; do
  grep -q "127.0.0.1:$port\$" "$work/access.log" || fail "instance $port served nothing"
done
grep -q '{token}' "$work/access.log" && ! grep -qF "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["tokens"][0])' "$work/study.json")" "$work/access.log" \
  || fail "a link token reached nginx's access log"

duplicates=$(sql "SELECT count(*) FROM (SELECT 1 FROM responses GROUP BY round_id, item_id, panellist_id HAVING count(*) > 1) d")
[ "$duplicates" = 0 ] || fail "$duplicates answers stored twice"

echo "== two researchers, each signed in through nginx"
base="https://127.0.0.1:$https" password="deployment test password 1"
curl_() { curl -sS --cacert "$work/ca.crt" "$@"; }
csrf_of() { sed -n 's/.*name=csrf value="\([^"]*\)".*/\1/p' | head -n 1; }
declare -A csrf
for who in 1 2; do
  printf '%s\n' "$password" | "$bin" admin create-user --email "r$who@example.org" --name "Researcher $who" >/dev/null
  "$bin" study member deploy --email "r$who@example.org" --role researcher >/dev/null
  jar=$work/cookies-$who.txt
  form_csrf=$(curl_ -c "$jar" -b "$jar" "$base/admin/login" | csrf_of)
  [ -n "$form_csrf" ] || fail "no CSRF value on the sign-in form"
  curl_ -c "$jar" -b "$jar" -o /dev/null --data-urlencode "csrf=$form_csrf" \
    --data-urlencode "email=r$who@example.org" --data-urlencode "password=$password" "$base/admin/login"
  csrf[$who]=$(curl_ -b "$jar" "$base/admin" | csrf_of)
  [ -n "${csrf[$who]}" ] || fail "researcher $who is not signed in (no CSRF value on /admin)"
done

echo "== both press close at once: POST /api/v1/studies/deploy/close through nginx"
close() { # who
  curl_ -b "$work/cookies-$1.txt" -X POST -H "X-CSRF-Token: ${csrf[$1]}" -o "$work/close-$1.json" \
    -w '%{http_code}' "$base/api/v1/studies/deploy/close" >"$work/close-$1.status"
}
close 1 & c1=$!
close 2 & c2=$!
wait $c1 $c2
s1=$(cat "$work/close-1.status") s2=$(cat "$work/close-2.status")
echo "close answers: $s1 $(cat "$work/close-1.json"); $s2 $(cat "$work/close-2.json")"
[ "$(printf '%s\n' "$s1" "$s2" | sort | tr '\n' ' ')" = "200 409 " ] \
  || fail "closes answered $s1 and $s2 (exactly one 200, the other 409)"
# nginx takes turns between the instances: the two closes went one to each.
upstreams=$(grep 'POST /api/v1/studies/deploy/close' "$work/access.log" | awk '{print $NF}' | sort -u | wc -l)
[ "$upstreams" = 2 ] || fail "the two closes reached $upstreams instance(s), not one each"
closes=$(sql "SELECT count(*) FROM audit_log WHERE action = 'round.closed'")
[ "$closes" = 1 ] || fail "round.closed recorded $closes times"
[ "$(sql "SELECT count(*) FROM rounds WHERE status = 'closed'")" = 1 ] || fail "the round is not closed"

echo "== every queued email delivered once"
for _ in $(seq 1 150); do
  left=$(sql "SELECT count(*) FROM outbox WHERE status = 'queued'")
  [ "$left" = 0 ] && break
  sleep 0.2
done
[ "$left" = 0 ] || fail "$left emails still queued"
sent=$(sql "SELECT count(*) FROM outbox WHERE status = 'sent'")
received=$(ls "$work/inbox" | grep -c '\.eml$' || true)
distinct=$(cat "$work"/inbox/*.eml | grep -i '^Message-ID:' | sort -u | wc -l)
echo "outbox sent $sent, SMTP server received $received, distinct Message-IDs $distinct"
[ "$received" = "$sent" ] && [ "$distinct" = "$received" ] || fail "an email was lost or sent twice"
[ "$sent" -ge 100 ] || fail "only $sent emails sent"
echo "deployment test: ok"

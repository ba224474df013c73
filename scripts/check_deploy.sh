#!/usr/bin/env bash
# The deployment files (deploy/, Dockerfile, compose.yaml) checked as far as this machine allows;
# .ci/run runs it as its own step, and anyone can run it (as root, with PostgreSQL and Redis
# running on 127.0.0.1, after `make install`): docs/deployment.md, "What CI checks".
#
#  1. systemd-analyze verifies the three units (copies with /srv/ressursvenner pointed at this
#     checkout, since the paths must exist) and rates their hardening (`security --offline`).
#  2. compose.yaml against the Compose Specification's JSON schema; the Dockerfile through
#     hadolint. No Docker engine here: the image is neither built nor run.
#  3. The live stack: gunicorn with deploy/gunicorn.conf.py, a Celery worker and beat, each
#     started with the ExecStart= line of its unit (read from the unit file, so the two cannot
#     drift), with production settings (DEBUG off) on PostgreSQL and Redis, behind nginx with
#     deploy/nginx/ressursvenner.conf (`nginx -t` first) on loopback with a self-signed
#     certificate; scripts/check_deploy_stack.py logs in through it. Everything it starts or
#     creates is removed at the end.
#
# It uses the ports 18443, 18080 and 18000, the database ressursvenner_deploy_check and Redis
# databases 14 and 15 (emptied); DEPLOY_CHECK_HTTPS_PORT, _HTTP_PORT, _WEB_PORT, _DATABASE,
# _BROKER_DB and _CACHE_DB choose others. DEPLOY_CHECK_LOGS=DIR keeps the stack's logs there.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
started=$(date +%s)
say() { printf -- '--- %s (%ss)\n' "$*" "$(($(date +%s) - started))"; }
fail() { echo "check_deploy: $*" >&2; exit 1; }

[ -x .venv/bin/python ] || fail "run make install first"
host=ressursvenner.example.org
https_port=${DEPLOY_CHECK_HTTPS_PORT:-18443}
http_port=${DEPLOY_CHECK_HTTP_PORT:-18080}
web_port=${DEPLOY_CHECK_WEB_PORT:-18000}
database=${DEPLOY_CHECK_DATABASE:-ressursvenner_deploy_check}
broker_db=${DEPLOY_CHECK_BROKER_DB:-14}
cache_db=${DEPLOY_CHECK_CACHE_DB:-15}

work=$(mktemp -d)
pids=()
cleanup() {
  status=$?
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
  for _ in $(seq 1 20); do
    alive=""
    for pid in "${pids[@]}"; do kill -0 -- "-$pid" 2>/dev/null && alive=yes; done
    [ -z "$alive" ] && break
    sleep 0.5
  done
  for pid in "${pids[@]}"; do kill -KILL -- "-$pid" 2>/dev/null || true; done
  if [ "$status" -ne 0 ]; then
    for log in "$work"/*.log; do
      if [ -f "$log" ]; then echo "=== $(basename "$log") (last lines)"; tail -25 "$log"; fi
    done
  fi
  dropdb -h 127.0.0.1 -U postgres --if-exists "$database" 2>/dev/null || true
  redis-cli -h 127.0.0.1 -n "$broker_db" flushdb >/dev/null 2>&1 || true
  redis-cli -h 127.0.0.1 -n "$cache_db" flushdb >/dev/null 2>&1 || true
  if [ -n "${DEPLOY_CHECK_LOGS:-}" ]; then mkdir -p "$DEPLOY_CHECK_LOGS" && cp "$work"/*.log "$DEPLOY_CHECK_LOGS"/; fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT INT TERM

# --- nginx (and systemd-analyze) from Debian, if missing; never started by the package ---------
packages=()
command -v nginx >/dev/null || packages+=(nginx)
command -v systemd-analyze >/dev/null || packages+=(systemd)
if [ "${#packages[@]}" -gt 0 ]; then
  say "Installing ${packages[*]} from Debian"
  added_policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    added_policy=yes
  fi
  apt-get install -y -q "${packages[@]}" >/dev/null 2>&1 \
    || { apt-get update -q >/dev/null && apt-get install -y -q "${packages[@]}" >/dev/null; }
  if [ -n "$added_policy" ]; then rm -f /usr/sbin/policy-rc.d; fi
fi
nginx -v

# --- 1. systemd units --------------------------------------------------------------------------
say "systemd-analyze verify and security on deploy/*.service"
mkdir "$work/units"
for unit in deploy/*.service; do
  sed "s#/srv/ressursvenner#$root#g" "$unit" >"$work/units/$(basename "$unit")"
done
# verify exits 0 on an unknown key or a bad value (it only warns): any output is a failure.
verify_output=$(systemd-analyze verify "$work"/units/*.service 2>&1) || true
[ -z "$verify_output" ] || fail "systemd-analyze verify: $verify_output"
for unit in "$work"/units/*.service; do
  # The exposure score, 0 (locked down) to 10 (unprotected); 2.0 is the bar (about 1.7 today).
  systemd-analyze security --offline=yes --threshold=20 "$unit" 2>&1 | tail -1
done
echo "the three units verify"

# --- 2. compose.yaml and the Dockerfile, statically ----------------------------------------------
say "compose.yaml against the Compose Specification schema; hadolint on the Dockerfile"
.venv/bin/check-jsonschema --builtin-schema vendor.compose-spec compose.yaml
.venv/bin/hadolint Dockerfile && echo "hadolint: Dockerfile clean"

# --- 3. The live stack -------------------------------------------------------------------------
for port in "$https_port" "$http_port" "$web_port"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then fail "port $port is in use"; fi
done

# Production settings, as a server's .env would hold them (DEBUG off: every secret required).
unset REDIS_URL DEBUG_DEFAULT
export DEBUG=false ENV_FILE=/dev/null
SECRET_KEY=$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(64))')
FIELD_ENCRYPTION_KEYS=$(.venv/bin/python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')
AUDIT_LOG_KEYS=$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(48))')
export SECRET_KEY FIELD_ENCRYPTION_KEYS AUDIT_LOG_KEYS
export ALLOWED_HOSTS=$host SITE_URL=https://$host CSRF_TRUSTED_ORIGINS=https://$host:$https_port
export SECURITY_CONTACT=mailto:sikkerhet@$host
export DATABASE_URL=postgres://postgres@127.0.0.1:5432/$database
export CELERY_BROKER_URL=redis://127.0.0.1:6379/$broker_db CACHE_URL=redis://127.0.0.1:6379/$cache_db
# An SMTP server nobody listens on: email waits in the outbox, the worker retries it.
export EMAIL_URL=smtp://127.0.0.1:2525
export GUNICORN_BIND=127.0.0.1:$web_port GUNICORN_WORKERS=2
manage=(.venv/bin/python manage.py)

start() {  # start NAME COMMAND...: in its own process group, its output in $work/NAME.log
  local name=$1
  shift
  setsid "$@" >"$work/$name.log" 2>&1 &
  pids+=("$!")
}
exec_start() {  # the ExecStart= of a unit, its paths pointed at this checkout, %% unescaped
  local line
  line=$(grep -E '^ExecStart=' "deploy/$1") || fail "no ExecStart= in deploy/$1"
  line=${line#ExecStart=}
  line=${line//\/srv\/ressursvenner/$root}
  echo "${line//%%/%}"
}
start_unit() {  # WorkingDirectory= is the checkout: the current folder
  local command
  read -ra command <<<"$(exec_start "ressursvenner-$1.service")"
  echo "$1: ${command[*]}"
  start "$1" "${command[@]}"
}

say "Database; the worker and beat as their units start them"
dropdb -h 127.0.0.1 -U postgres --if-exists "$database"
createdb -h 127.0.0.1 -U postgres "$database"
redis-cli -h 127.0.0.1 -n "$broker_db" flushdb >/dev/null
redis-cli -h 127.0.0.1 -n "$cache_db" flushdb >/dev/null
"${manage[@]}" migrate --noinput -v 0
# Beat sends the first heartbeat a minute after it starts: started now, that minute overlaps
# with the demo data and the static files.
start_unit worker
start_unit beat

say "Demo data and static files; gunicorn as its unit starts it"
# seed_demo refuses with DEBUG off (demo logins must never reach a real database): it runs with
# DEBUG on, the same database and the same keys, as does demo_code for the two-step code.
DEBUG=true "${manage[@]}" seed_demo >/dev/null
"${manage[@]}" collectstatic --noinput -v 0
start_unit web

say "nginx with deploy/nginx/ressursvenner.conf, a self-signed certificate, on loopback"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=$host" \
  -addext "subjectAltName=DNS:$host,IP:127.0.0.1" \
  -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
# The site as committed, with what this machine must change: ports, certificate, paths. Each
# change must apply, or the check would quietly test another file.
site=$(cat deploy/nginx/ressursvenner.conf)
replace() {
  [[ $site == *"$1"* ]] || fail "deploy/nginx/ressursvenner.conf no longer contains: $1"
  site=${site//"$1"/"$2"}
}
replace "listen [::]:80;" ""
replace "listen [::]:443 ssl http2;" ""
replace "listen 80;" "listen 127.0.0.1:$http_port;"
replace "listen 443 ssl http2;" "listen 127.0.0.1:$https_port ssl http2;"
replace "/etc/letsencrypt/live/$host/fullchain.pem" "$work/cert.pem"
replace "/etc/letsencrypt/live/$host/privkey.pem" "$work/key.pem"
replace "/var/log/nginx/" "$work/nginx-"
replace "/srv/ressursvenner/" "$root/"
replace "server 127.0.0.1:8000;" "server 127.0.0.1:$web_port;"
printf '%s\n' "$site" >"$work/site.conf"
mkdir -p "$work/nginx-temp"
cat >"$work/nginx.conf" <<EOF
daemon off;
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-main.error.log warn;
$( [ "$(id -u)" = 0 ] && echo "user root;" )
events { worker_connections 64; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    client_body_temp_path $work/nginx-temp/body;
    proxy_temp_path $work/nginx-temp/proxy;
    fastcgi_temp_path $work/nginx-temp/fastcgi;
    uwsgi_temp_path $work/nginx-temp/uwsgi;
    scgi_temp_path $work/nginx-temp/scgi;
    include $work/site.conf;
}
EOF
nginx -t -q -c "$work/nginx.conf"
echo "nginx -t: the site's configuration is valid"
start nginx nginx -c "$work/nginx.conf"

say "Waiting for gunicorn, the worker and beat"
for _ in $(seq 1 60); do
  grep -q "Booting worker" "$work/web.log" && grep -q "ready" "$work/worker.log" \
    && grep -q "beat: Starting" "$work/beat.log" && break
  sleep 0.5
done
grep -q "Booting worker" "$work/web.log" || fail "gunicorn did not start"
grep -q "ready" "$work/worker.log" || fail "the worker did not start"
grep -q "beat: Starting" "$work/beat.log" || fail "beat did not start"
# The container's health check (Dockerfile), against gunicorn itself.
.venv/bin/python deploy/healthcheck.py "http://127.0.0.1:$web_port/helse/"

say "Through nginx over HTTPS: log in as a demo coordinator, then the other checks"
.venv/bin/python scripts/check_deploy_stack.py \
  --https-port "$https_port" --http-port "$http_port" --host "$host" --cafile "$work/cert.pem" \
  --access-log "$work/nginx-ressursvenner.access.log" --log-dir "$work" \
  --email koordinator.oslo@demo.example --password kaffe-og-en-prat --health-deadline 100 \
  env DEBUG=true "${manage[@]}"
grep -q "Sending due task heartbeat" "$work/beat.log" || fail "beat sent no heartbeat"

say "Deploy check passed"

#!/usr/bin/env bash
# Serve the portal with a Celery worker and beat; Ctrl-C (or SIGTERM to this script) stops all three.
#
# Each service runs in its own process group (job control on), so a Ctrl-C reaches only this
# script, which stops them in a known way: the web server with SIGTERM, beat with SIGTERM, the
# worker with SIGQUIT (a cold shutdown: running tasks get CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT
# seconds, then go back to the queue, as tasks are acknowledged late). A warm shutdown would wait
# for every running task, e.g. a mail send stuck on a silent SMTP server. Whatever is still alive
# after STOP_TIMEOUT seconds is killed, and the script says so.
set -uo pipefail
set -m
BIN=${BIN:-.venv/bin}
export PORT=${PORT:-8000}
export ARAGORA_VAR_DIR=${ARAGORA_VAR_DIR:-var}
STOP_TIMEOUT=${STOP_TIMEOUT:-9}
mkdir -p "$ARAGORA_VAR_DIR"
log="$ARAGORA_VAR_DIR/celery.log"
web="" worker="" beat=""

stop() {
  trap '' INT TERM HUP  # a second Ctrl-C must not cut the shutdown short
  echo
  echo "Stopping web server, worker and beat..."
  [ -n "$web" ] && kill -TERM -- "-$web" 2>/dev/null
  [ -n "$beat" ] && kill -TERM -- "-$beat" 2>/dev/null
  # The worker's main process alone: it stops its pool; pool processes killed under it make it
  # wait for them as lost workers.
  [ -n "$worker" ] && kill -QUIT "$worker" 2>/dev/null
  local ticks=$((STOP_TIMEOUT * 5)) group alive  # checks 5 times a second
  while :; do
    alive=""
    for group in $web $worker $beat; do
      kill -0 -- "-$group" 2>/dev/null && alive="$alive $group"
    done
    [ -z "$alive" ] && break
    if [ "$ticks" -le 0 ]; then
      echo "Still running after ${STOP_TIMEOUT}s, killed: process groups$alive"
      for group in $alive; do kill -KILL -- "-$group" 2>/dev/null; done
      break
    fi
    sleep 0.2
    ticks=$((ticks - 1))
  done
  wait 2>/dev/null
  echo "Stopped."
  exit "${1:-0}"
}
trap stop INT TERM HUP

: >"$log"  # both append to it (O_APPEND), so neither overwrites the other's lines
"$BIN/celery" -A aragora_support worker --loglevel=INFO --concurrency=2 \
  --without-mingle --without-gossip >>"$log" 2>&1 &
worker=$!
"$BIN/celery" -A aragora_support beat --loglevel=INFO \
  --schedule="$ARAGORA_VAR_DIR/celerybeat-schedule" >>"$log" 2>&1 &
beat=$!
"$BIN/python" manage.py runserver "127.0.0.1:$PORT" &
web=$!

echo "Celery worker (pid $worker) and beat (pid $beat) running, log $log."
echo "Portal: http://127.0.0.1:$PORT/   Admin: http://127.0.0.1:$PORT/admin/   API docs: http://127.0.0.1:$PORT/api/docs/"
echo "Sign in with any demo user, password aragora-demo. Staff accounts then ask for a two-factor code:"
echo "  ARAGORA_DEMO=1 $BIN/python manage.py demo_2fa_code support   (or add secret ARAGORADEMOTOTPSECRETAAAAAAAAAAA to a TOTP app)"
echo "Press Ctrl-C to stop all three."
# Any one of them ending (a port already in use, a crash) stops the others.
wait -n
stop $?

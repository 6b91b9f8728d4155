#!/usr/bin/env bash
# Start the portal with a Celery worker running beat in the same process; stop all on Ctrl-C.
set -euo pipefail
BIN=${BIN:-.venv/bin}
PORT=${PORT:-8000}
mkdir -p var
"$BIN/celery" -A aragora_support worker --beat --loglevel=INFO --concurrency=2 \
  --schedule=var/celerybeat-schedule >var/celery.log 2>&1 &
celery_pid=$!
trap 'kill $celery_pid 2>/dev/null; wait $celery_pid 2>/dev/null' EXIT INT TERM
echo "Celery worker + beat running (pid $celery_pid, log var/celery.log)."
echo "Portal: http://127.0.0.1:$PORT/   Admin: http://127.0.0.1:$PORT/admin/   API docs: http://127.0.0.1:$PORT/api/docs/"
"$BIN/python" manage.py runserver "127.0.0.1:$PORT"

#!/usr/bin/env bash
# A cluster on one machine, under load, losing parts of itself (issue 17; docs/deploy.md,
# "Cluster test"). Starts, on a fresh PostgreSQL database:
#   nginx (Debian's) on $LB_PORT -> two gunicorn web nodes ($NODE_A_PORT, $NODE_B_PORT), each its
#     own master and workers (gunicorn.conf.py); a refused connection goes to the other node
#   a Celery worker for the notifications and default queues, one for report renders, one beat
#   a sink standing in for Slack and the pager (mail goes to files: the filebased backend)
# then runs the locust journeys (bench/locustfile.py) for $RUN_SECONDS s against nginx, and
# mid-run SIGKILLs node A (master and workers), makes some tickets due and starts a second beat
# "by mistake", SIGKILLs the notifications worker and starts it again a few seconds later (as
# systemd would). Afterwards it checks, and prints:
#   1. locust's failures <= the requests in flight on node A when it died
#   2. every outbox row was sent exactly once (mail files, Slack and pager calls vs the rows)
#   3. every ticket locust saw created exists
#   4. the two beats doubled nothing (SLA events, notification keys, heartbeats)
# and exits 1 if any check fails. Every process it started is stopped on exit; the database is
# dropped unless KEEP_DB=1.
#
#   scripts/cluster-demo.sh        (PYTHON=.venv/bin/python LOCUST=.venv-load/bin/locust by default)
set -euo pipefail
set -m  # each background job its own process group: a node is killed with its workers
cd "$(dirname "$0")/.."
ROOT=$PWD
PYTHON=${PYTHON:-$ROOT/.venv/bin/python}
BIN=$(dirname "$PYTHON")
LOCUST=${LOCUST:-$ROOT/.venv-load/bin/locust}  # bench/load.py's docstring says how to make it
PG=${PG:-postgres://postgres@127.0.0.1:5432}
REDIS_HOST=${REDIS_HOST:-127.0.0.1} REDIS_PORT=${REDIS_PORT:-6379}
BROKER_DB=${BROKER_DB:-9} CACHE_DB=${CACHE_DB:-10}
LB_PORT=${LB_PORT:-18100} NODE_A_PORT=${NODE_A_PORT:-18101} NODE_B_PORT=${NODE_B_PORT:-18102}
ORGS=${ORGS:-200} TICKETS=${TICKETS:-20000} USERS=${USERS:-24} RUN_SECONDS=${RUN_SECONDS:-60}
KILL_NODE_AT=${KILL_NODE_AT:-20} SECOND_BEAT_AT=${SECOND_BEAT_AT:-25} KILL_WORKER_AT=${KILL_WORKER_AT:-30}
RESTART_AFTER=${RESTART_AFTER:-5} DUE_TICKETS=${DUE_TICKETS:-300} DRAIN_TIMEOUT=${DRAIN_TIMEOUT:-240}

for tool in "$PYTHON" "$LOCUST" nginx redis-cli ss; do
  command -v "$tool" >/dev/null || { echo "cluster-demo: $tool not found" >&2; exit 2; }
done

WORK=$(mktemp -d /tmp/aragora-cluster.XXXXXX)
DB=aragora_cluster_$(date +%s)
GROUPS_STARTED=()
say() { printf '\n== %s\n' "$*"; }
t0=$(date +%s)
stamp() { printf '[t+%3ss] %s\n' "$(( $(date +%s) - t0 ))" "$*"; }

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  disown -a 2>/dev/null || true  # job control would print a line for each process stopped
  for group in "${GROUPS_STARTED[@]}"; do kill -TERM -- "-$group" 2>/dev/null || true; done
  for _ in $(seq 50); do  # up to 10 s for a clean stop, then SIGKILL what is left
    local alive=0
    for group in "${GROUPS_STARTED[@]}"; do kill -0 -- "-$group" 2>/dev/null && alive=1; done
    [ "$alive" -eq 0 ] && break
    sleep 0.2
  done
  for group in "${GROUPS_STARTED[@]}"; do kill -KILL -- "-$group" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ "${KEEP_DB:-0}" != 1 ]; then
    "$PYTHON" - "$PG" "$DB" <<'PY' || true
import sys, psycopg
with psycopg.connect(sys.argv[1] + "/postgres", autocommit=True) as c:
    c.execute(f'DROP DATABASE IF EXISTS "{sys.argv[2]}" WITH (FORCE)')
PY
  fi
  redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" -n "$BROKER_DB" flushdb >/dev/null 2>&1 || true
  echo "cluster-demo: stopped everything; logs in $WORK"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start() {  # start NAME CMD...: in its own process group, output to $WORK/NAME.log; sets $started
  local name=$1; shift
  "$@" >>"$WORK/$name.log" 2>&1 &
  started=$!
  GROUPS_STARTED+=("$started")
}

wait_http() {  # wait_http URL SECONDS
  for _ in $(seq $(( $2 * 5 ))); do
    "$PYTHON" -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1)" "$1" 2>/dev/null && return 0
    sleep 0.2
  done
  echo "cluster-demo: $1 did not answer within $2 s" >&2
  return 1
}

# --- environment: production settings, one machine ----------------------------------------------
mkdir -p "$WORK/var" "$WORK/mail" "$WORK/nginx" "$WORK/metrics-a" "$WORK/metrics-b" "$WORK/beat-1" "$WORK/beat-2"
export DJANGO_SETTINGS_MODULE=aragora_support.settings
export DATABASE_URL="$PG/$DB"
export CELERY_BROKER_URL="redis://$REDIS_HOST:$REDIS_PORT/$BROKER_DB" CACHE_URL="redis://$REDIS_HOST:$REDIS_PORT/$CACHE_DB"
export DEBUG=0 ARAGORA_VAR_DIR="$WORK/var" LOG_LEVEL=WARNING ALLOWED_HOSTS=127.0.0.1,localhost
SECRET_KEY=$("$PYTHON" -c 'import secrets; print(secrets.token_urlsafe(50))')
export SECRET_KEY
# Locust sends the address a proxy in front would have appended; nginx appends its own: two proxies.
export NUM_PROXIES=2
export NOTIFICATION_QUEUE=notifications REPORT_QUEUE=reports
export EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend EMAIL_FILE_PATH="$WORK/mail"
# A send killed with its worker is taken up again when its lease expires: short here, so the
# outbox drains within the script's wait (production: 120 s).
export NOTIFICATION_LEASE_SECONDS=${NOTIFICATION_LEASE_SECONDS:-30}
redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" -n "$BROKER_DB" flushdb >/dev/null
redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" -n "$CACHE_DB" flushdb >/dev/null

# Slack and the pager: a local HTTP server that answers as they do and logs each call (channel, id).
start sink "$PYTHON" - "$WORK/sink.port" "$WORK/sink.jsonl" <<'PY'
import json, sys, threading, uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
port_file, log_file = sys.argv[1], sys.argv[2]
lock = threading.Lock()
class Sink(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path.startswith("/slack/"):
            ident = uuid.uuid4().hex
            answer = {"ok": True, "ts": ident, "channel": "C0"}
            channel = "slack"
        else:
            ident = json.loads(body)["dedup_key"]
            answer, channel = {"status": "success", "dedup_key": ident}, "pager"
        with lock, open(log_file, "a") as fh:
            fh.write(json.dumps({"channel": channel, "id": ident}) + "\n")
        data = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    def log_message(self, *args):
        pass
server = ThreadingHTTPServer(("127.0.0.1", 0), Sink)
open(port_file, "w").write(str(server.server_address[1]))
server.serve_forever()
PY
for _ in $(seq 50); do [ -s "$WORK/sink.port" ] && break; sleep 0.1; done
SINK="http://127.0.0.1:$(cat "$WORK/sink.port")"
export SLACK_BOT_TOKEN=xoxb-cluster-demo SLACK_API_BASE_URL="$SINK/slack/" PAGER_WEBHOOK_URL="$SINK/pager"

# --- database ---------------------------------------------------------------------------------------
say "database $DB: migrate, seed $ORGS organisations and $TICKETS tickets"
"$PYTHON" - "$PG" "$DB" <<'PY'
import sys, psycopg
with psycopg.connect(sys.argv[1] + "/postgres", autocommit=True) as c:
    c.execute(f'CREATE DATABASE "{sys.argv[2]}"')
PY
"$PYTHON" manage.py migrate -v0
seed_started=$(date +%s)
"$PYTHON" manage.py seed_demo --orgs "$ORGS" --tickets "$TICKETS" >"$WORK/seed.log"
"$PYTHON" manage.py shell -v0 -c "from django.db import connection; connection.cursor().execute('VACUUM ANALYZE')"
echo "seeded in $(( $(date +%s) - seed_started )) s"
# The journeys' accounts and tokens, as bench/load.py makes them.
"$PYTHON" manage.py shell -v0 -c "$("$PYTHON" -c "
import sys; sys.path.insert(0, 'bench')
from load import USERS_CODE
print(USERS_CODE.replace('__CUSTOMERS__', '200').replace('__STAFF__', str($USERS // 3 + 1)))")" | tail -n1 >"$WORK/users.json"

# --- the cluster ------------------------------------------------------------------------------------
say "start: nginx :$LB_PORT -> gunicorn :$NODE_A_PORT, :$NODE_B_PORT; workers; beat"
node() {  # node NAME PORT METRICS_DIR
  start "$1" env PROMETHEUS_MULTIPROC_DIR="$3" "$BIN/gunicorn" aragora_support.wsgi -b "127.0.0.1:$2" -w 2 \
    --log-level warning
}
node node-a "$NODE_A_PORT" "$WORK/metrics-a"; node_a=$started
node node-b "$NODE_B_PORT" "$WORK/metrics-b"
notify_worker() {
  # At INFO: each task's result is logged (the sweeps' counts are read back below).
  start worker-notifications env LOG_LEVEL=INFO "$BIN/celery" -A aragora_support worker -Q notifications,celery -c 2 \
    -n notifications@%h --without-gossip --without-mingle
  worker_n=$started
}
notify_worker
start worker-reports "$BIN/celery" -A aragora_support worker -Q reports -c 1 -n reports@%h --without-gossip --without-mingle
beat() {  # beat N: each with its own schedule file, as on a machine of its own
  start "beat-$1" env LOG_LEVEL=INFO "$BIN/celery" -A aragora_support beat -s "$WORK/beat-$1/schedule" \
    --pidfile="$WORK/beat-$1/pid"
  eval "beat_$1=$started"
}
beat 1

cat >"$WORK/nginx/nginx.conf" <<NGINX
daemon off;
worker_processes 1;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
user root;
events { worker_connections 1024; }
http {
  log_format upstreams '\$request_method \$uri \$status upstream=\$upstream_addr upstream_status=\$upstream_status';
  access_log $WORK/nginx/access.log upstreams;
  client_body_temp_path $WORK/nginx/body; proxy_temp_path $WORK/nginx/proxy;
  fastcgi_temp_path $WORK/nginx/fastcgi; uwsgi_temp_path $WORK/nginx/uwsgi; scgi_temp_path $WORK/nginx/scgi;
  client_max_body_size 27m;  # the attachment limit + 2 MB (README, "Production")
  upstream aragora {
    # A node that refused a connection is left alone for 5 s, then tried again.
    server 127.0.0.1:$NODE_A_PORT max_fails=1 fail_timeout=5s;
    server 127.0.0.1:$NODE_B_PORT max_fails=1 fail_timeout=5s;
  }
  server {
    listen 127.0.0.1:$LB_PORT;
    location / {
      proxy_pass http://aragora;
      # A refused or reset connection goes to the other node. nginx never resends a POST or
      # PATCH it has already sent (non_idempotent is not listed): it may have been carried out.
      proxy_next_upstream error timeout;
      proxy_next_upstream_tries 2;
      proxy_connect_timeout 2s;
      proxy_read_timeout 60s;
      proxy_set_header Host \$host;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto \$scheme;
    }
  }
}
NGINX
start nginx nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf"
wait_http "http://127.0.0.1:$NODE_A_PORT/healthz" 60
wait_http "http://127.0.0.1:$NODE_B_PORT/healthz" 60
wait_http "http://127.0.0.1:$LB_PORT/healthz" 20

# --- the run ------------------------------------------------------------------------------------------
say "locust: $USERS users for ${RUN_SECONDS}s against nginx"
t0=$(date +%s)
CREATED_TICKETS_FILE="$WORK/created-tickets.txt" LOAD_USERS="$WORK/users.json" start locust \
  "$LOCUST" -f "$ROOT/bench/locustfile.py" --host "http://127.0.0.1:$LB_PORT" --headless --users "$USERS" \
  --spawn-rate 8 --run-time "${RUN_SECONDS}s" --csv "$WORK/locust" --only-summary --loglevel WARNING
locust_pid=$started
: >"$WORK/created-tickets.txt"
at() { while [ $(( $(date +%s) - t0 )) -lt "$1" ]; do sleep 0.2; done; }

at "$KILL_NODE_AT"
# The requests in flight on node A: nginx's open connections to it (no upstream keepalive, so
# one connection is one request, whether a gunicorn worker has it or it waits in the backlog).
in_flight=$(ss -Htn state established "( dport = :$NODE_A_PORT )" | wc -l)
kill -KILL -- "-$node_a"
disown "$node_a"  # no "Killed" line from job control: the kill is the point
stamp "SIGKILL node A (gunicorn master and workers, group $node_a): $in_flight request(s) in flight on it"

make_due() {  # make_due N: N open tickets' response clocks come due now; prints how many
  "$PYTHON" manage.py shell -v0 -c "
from django.db import connection
with connection.cursor() as c:
    c.execute('''UPDATE tickets_ticket SET response_warn_at = now() - interval '2 minutes',
                 response_due_at = now() - interval '1 minute', sla_next_check_at = now() - interval '1 minute'
                 WHERE id IN (SELECT id FROM tickets_ticket WHERE status = 'new' AND first_response_at IS NULL
                 AND response_breached_at IS NULL AND response_due_at IS NOT NULL ORDER BY id LIMIT $1)
                 RETURNING id''')
    ids = [row[0] for row in c.fetchall()]
with open('$WORK/due-ids', 'a') as fh:
    fh.write(''.join(f'{pk}\\n' for pk in ids))
print(len(ids))" | tail -n1
}
sweeps_sent() { grep -c "Sending due task sla-sweep" "$WORK/beat-$1.log" || true; }
sweeps_run() { grep -c "tickets.tasks.sla_sweep\[.*succeeded" "$WORK/worker-notifications.log" || true; }

at "$SECOND_BEAT_AT"
made_due=$(make_due "$DUE_TICKETS")
beat 2
stamp "$made_due tickets made due; a second beat started by mistake (group $started)"

at "$KILL_WORKER_AT"
kill -KILL -- "-$worker_n"
disown "$worker_n"
stamp "SIGKILL the notifications worker (main process and pool, group $worker_n)"
sleep "$RESTART_AFTER"
notify_worker
stamp "notifications worker started again (group $worker_n)"

set +e
wait "$locust_pid"
locust_status=$?
set -e
stamp "locust finished (exit $locust_status)"
[ -s "$WORK/locust_stats.csv" ] || { echo "cluster-demo: locust wrote no statistics" >&2; exit 1; }

# The mistaken beat in earnest: tickets come due once more, and both beats' next sweeps meet
# them; the first to run records their breaches, the other must find nothing left to do.
wave2=$(make_due "$DUE_TICKETS")
sent1=$(sweeps_sent 1) sent2=$(sweeps_sent 2) ran=$(sweeps_run)
stamp "$wave2 more tickets made due; waiting (at most 150 s) for a sweep from each beat to run"
for _ in $(seq 750); do
  [ "$(sweeps_sent 1)" -gt "$sent1" ] && [ "$(sweeps_sent 2)" -gt "$sent2" ] && [ "$(sweeps_run)" -ge $((ran + 2)) ] && break
  sleep 0.2
done
stamp "sweeps sent since: beat 1 $(( $(sweeps_sent 1) - sent1 )), beat 2 $(( $(sweeps_sent 2) - sent2 )); run $(( $(sweeps_run) - ran ))"
grep "tickets.tasks.sla_sweep\[.*succeeded" "$WORK/worker-notifications.log" | tail -n +$((ran + 1)) \
  | sed -E 's/.*succeeded in ([0-9]+\.[0-9]{0,3})[0-9]*s: ([^"]*).*/  a sweep: \2 (\1 s)/'

# --- the checks ---------------------------------------------------------------------------------------
say "waiting (at most ${DRAIN_TIMEOUT}s) for the outbox to drain"
"$PYTHON" manage.py shell -v0 -c "
import time
from notifications.models import Notification
deadline = time.monotonic() + $DRAIN_TIMEOUT
while (left := Notification.objects.filter(status__in=['queued', 'sending']).count()) and time.monotonic() < deadline:
    time.sleep(1)
print(f'outbox: {left} row(s) still queued or sending')"
# Stop both beats, then let the workers finish what the beats' last ticks queued: nothing may be
# on its way out while the rows are counted.
kill -TERM -- "-$beat_1" "-$beat_2" 2>/dev/null || true
"$PYTHON" manage.py shell -v0 -c "
import time
from notifications.models import Notification
deadline = time.monotonic() + 60
while Notification.objects.filter(status__in=['queued', 'sending']).exists() and time.monotonic() < deadline:
    time.sleep(1)"

set +e
"$PYTHON" manage.py shell -v0 -c "$(cat <<PY
import collections, csv, glob, json, re, sys
from django.db.models import Count
from accounts.models import Heartbeat
from notifications.models import Notification
from tickets.models import Ticket, TicketEvent

work = "$WORK"
failed = []
def check(ok, text):
    print(("PASS " if ok else "FAIL ") + text)
    if not ok:
        failed.append(text)

# 1. requests
rows = list(csv.DictReader(open(f"{work}/locust_stats.csv")))
total = next(r for r in rows if r["Name"] == "Aggregated")
requests, failures = int(total["Request Count"]), int(total["Failure Count"])
nginx = open(f"{work}/nginx/access.log").read().splitlines()
# nginx's record of the requests node A had been sent and never answered: those in flight when it
# died (a refused connection, after, is not one: it goes to the other node unseen).
errors = open(f"{work}/nginx/error.log").read().splitlines()
cut_on_a = [l for l in errors if "upstream: \"http://127.0.0.1:$NODE_A_PORT" in l and "[error]" in l
            and ("while reading response header" in l or "while sending request" in l or "prematurely closed" in l)]
in_flight = max($in_flight, len(cut_on_a))
retried = [l for l in nginx if "upstream=127.0.0.1:$NODE_A_PORT, 127.0.0.1:$NODE_B_PORT" in l
           or "upstream=127.0.0.1:$NODE_B_PORT, 127.0.0.1:$NODE_A_PORT" in l]
cut = [l for l in nginx if " 502 " in l]
print(f"requests: {requests} through nginx in ${RUN_SECONDS} s, {failures} failed; "
      f"{len(retried)} sent on to the other node; {len(cut)} answered 502")
for f in csv.DictReader(open(f"{work}/locust_failures.csv")):
    print(f"  failure: {f['Method']} {f['Name']}: {f['Occurrences']}x {f['Error'][:160]}")
gets = sum(' request: "GET ' in l for l in cut_on_a)
print(f"in flight on node A when it was killed: {$in_flight} open connection(s) seen by ss just before, "
      f"{len(cut_on_a)} request(s) cut off in nginx's error log ({gets} GET, sent on to node B)")
check(failures <= in_flight and failures == len(cut),
      f"locust failures ({failures}) <= requests in flight on the killed node ({in_flight}), each a 502 for one of them")

# 2. notifications: every row sent exactly once
rows = list(Notification.objects.values("id", "channel", "status", "provider_id", "key"))
by_status = collections.Counter(r["status"] for r in rows)
print(f"outbox: {len(rows)} rows: " + ", ".join(f"{n} {s}" for s, n in sorted(by_status.items())))
check(by_status.keys() <= {"sent"}, "every outbox row is sent (none queued, sending or failed)")
mail_ids = collections.Counter()
for path in glob.glob(f"{work}/mail/*"):
    mail_ids.update(re.findall(r"^Message-ID: (<[^>]+>)", open(path, errors="replace").read(), flags=re.M))
sink = collections.Counter()
for line in open(f"{work}/sink.jsonl") if glob.glob(f"{work}/sink.jsonl") else []:
    call = json.loads(line)
    sink[(call["channel"], call["id"])] += 1
for channel, delivered in (("email", collections.Counter({("email", k): n for k, n in mail_ids.items()})),
                           ("slack", collections.Counter({k: n for k, n in sink.items() if k[0] == "slack"})),
                           ("pager", collections.Counter({k: n for k, n in sink.items() if k[0] == "pager"}))):
    expected = collections.Counter((channel, r["provider_id"]) for r in rows if r["channel"] == channel and r["status"] == "sent")
    twice = {k: n for k, n in delivered.items() if n > 1}
    missing = expected.keys() - delivered.keys()
    stray = delivered.keys() - expected.keys()
    print(f"  {channel}: {sum(expected.values())} rows sent, {sum(delivered.values())} delivered "
          f"({len(missing)} missing, {len(twice)} twice, {len(stray)} with no row)")
    check(not missing and not twice and not stray and max(expected.values(), default=1) == 1,
          f"{channel}: every sent row delivered exactly once")

# 3. tickets
created = [int(x) for x in open(f"{work}/created-tickets.txt").read().split()]
exist = set(Ticket.objects.filter(pk__in=created).values_list("pk", flat=True))
print(f"tickets: locust saw {len(created)} created ({len(set(created))} distinct); {len(exist)} of them exist")
check(len(created) > 0 and exist == set(created) and len(set(created)) == len(created), "no ticket lost (or reported twice)")

# 4. the double beat
beat_logs = {n: open(f"{work}/beat-{n}.log", errors="replace").read() for n in (1, 2)}
sweeps = {n: len(re.findall(r"Sending due task sla-sweep", log)) for n, log in beat_logs.items()}
flushes = {n: len(re.findall(r"Sending due task outbox-flush", log)) for n, log in beat_logs.items()}
print(f"beats: sla-sweep sent {sweeps[1]} + {sweeps[2]} times, outbox-flush {flushes[1]} + {flushes[2]} (beat 1 + beat 2)")
check(sweeps[2] > 0 and $(sweeps_run) >= $ran + 2, "the second beat did send sweeps, and they ran")
import datetime as dt
due = TicketEvent.objects.filter(kind="sla_breached", data__clock="response",
                                 created_at__gte=dt.datetime.fromtimestamp($t0, dt.timezone.utc))
made_due = $made_due + $wave2
# A ticket made due that locust's staff answered before a sweep reached it has a stopped clock:
# no breach is owed for it. Every other one must have its breach, and no ticket two.
due_ids = {int(line) for line in open("$WORK/due-ids") if line.strip()}
breached = set(due.filter(ticket_id__in=due_ids).values_list("ticket_id", flat=True))
answered_first = set(Ticket.objects.filter(pk__in=due_ids - breached, first_response_at__isnull=False)
                     .values_list("pk", flat=True))
missing = due_ids - breached - answered_first
events = (TicketEvent.objects.filter(kind__in=["sla_breached", "sla_warning"])
          .values("ticket_id", "kind", "data__clock").annotate(n=Count("id")).filter(n__gt=1))
escalations = (TicketEvent.objects.filter(kind="escalated").values("ticket_id", "data__level")
               .annotate(n=Count("id")).filter(n__gt=1))
print(f"sweeps: {due.count()} response breaches recorded during the run ({made_due} tickets made due, "
      f"{len(answered_first)} of them answered by locust's staff before a sweep came, {len(missing)} missed); "
      f"{len(events)} (ticket, clock) with a repeated warning or breach; {len(escalations)} repeated escalation steps")
check(len(due_ids) == made_due and not missing and not events and not escalations,
      "two beats: each breach and step recorded once")
keys = Notification.objects.values("key").annotate(n=Count("id")).filter(n__gt=1).count()
check(keys == 0, f"two beats: one outbox row per notification key ({keys} repeated)")
beats = Heartbeat.objects.values("name").annotate(n=Count("id")).filter(n__gt=1).count()
check(beats == 0, f"two beats: one heartbeat row per process kind ({beats} repeated)")
print("RESULT:", "all checks passed" if not failed else f"{len(failed)} check(s) FAILED")
sys.exit(1 if failed else 0)
PY
)"
result=$?
set -e
exit "$result"

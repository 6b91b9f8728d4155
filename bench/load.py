#!/usr/bin/env python
"""Load test (issue 16): customer and staff journeys (bench/locustfile.py) against gunicorn on
PostgreSQL with the 100k-ticket data set; prints a row per endpoint and exits non-zero unless
every journey endpoint has p99 < 250 ms and nothing failed.

    .venv/bin/python bench/load.py [--users 32] [--run-time 2m] [--tickets 100000] [--orgs 1000]

Locust lives in its own virtualenv (it pins gevent and Flask, which stay out of the app's):

    python3 -m venv .venv-load && .venv-load/bin/pip install -r bench/requirements-load.txt

or point $LOCUST at a locust executable. Needs PostgreSQL on 127.0.0.1:5432 (trust auth) and Redis
(cache and Celery broker, as in production). Creates (once) and reuses the database aragora_load.

The server: 4 gunicorn sync workers (2 per core, as bench/api_tickets.py) and nothing else. With
2, a sign-in's PBKDF2 hash (300-600 ms) holds one of the two, and a request queued behind it
waited as long: single requests of 280-350 ms in runs otherwise far under the target. Mail, Slack and pager side effects are rows
in the outbox; the request path only publishes their send tasks to the broker, so no Celery
worker runs (the queued tasks are purged afterwards). NUM_PROXIES=1: the server stands as behind
one proxy, and each locust user sends its own X-Forwarded-For, so the per-address limits
(allauth's sign-in limit of 30/min, axes, DRF throttles) see many clients, as in production,
and none of them is switched off.

The baseline: a light user in the same locust run reads /bench/trivial twice a second; the
"x trivial" column is an endpoint's p50 over the trivial view's p50.
"""
import argparse
import csv
import json
import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, django_env, ensure_database, ensure_scale_data, gunicorn, manage, shell  # noqa: E402

P99_TARGET_MS = 250
# Password hashing is deliberately slow (PBKDF2, Django's iteration count): a sign-in is shown
# but judged against this, not the journeys' target.
SIGN_IN_TARGET_MS = 1500
SIGN_IN_ROWS = {"portal sign-in"}

USERS_CODE = """
import json, random
from accounts.models import ApiToken, User
from accounts.services import api_token_create
from demo.management.commands.seed_demo import DEMO_PASSWORD
from tickets.models import Status, Ticket

rng = random.Random(16)
# Customer admins of the scale organisations (one each), with tickets that still take a reply.
people = list(User.objects.filter(username__startswith="scale-", is_active=True, organization__isnull=False,
                                   customer_role="admin")  # a member sees only their own tickets
              .select_related("organization").order_by("pk")[:__CUSTOMERS__ * 2])
tickets = {}
for pk, org in (Ticket.objects.filter(organization__in=[u.organization_id for u in people])
                .exclude(status=Status.CLOSED).values_list("pk", "organization_id")):
    tickets.setdefault(org, []).append(pk)
people = [u for u in people if len(tickets.get(u.organization_id, [])) >= 3][:__CUSTOMERS__]
staff = []
for i in range(__STAFF__):
    user, _ = User.objects.get_or_create(username=f"load-staff-{i}", defaults={"is_staff": True,
                                         "email": f"load-staff-{i}@aragora.invalid"})
    staff.append(user)
ApiToken.objects.filter(user__in=people + staff, name="load").delete()  # keys are shown once: new ones
out = {
    "customers": [{"username": u.username, "password": DEMO_PASSWORD, "account_id": u.organization.account_id,
                   "token": api_token_create(user=u, name="load")[1],
                   "tickets": rng.sample(tickets[u.organization_id], min(10, len(tickets[u.organization_id])))}
                  for u in people],
    "staff": [{"username": u.username, "token": api_token_create(user=u, name="load")[1]} for u in staff],
    "any_tickets": list(Ticket.objects.order_by("?").values_list("pk", flat=True)[:2000]),
}
print(json.dumps(out))
"""


def find_locust() -> str:
    candidates = [os.environ.get("LOCUST"), str(ROOT / ".venv-load" / "bin" / "locust")]
    for candidate in candidates:
        if candidate and Path(candidate).exists():
            return candidate
    sys.exit("locust not found: set $LOCUST, or create .venv-load (see bench/load.py's docstring)")


def free_port(port: int) -> int:
    """`port` if nothing listens on it (0: any free one). Another server on it would answer
    the readiness probe, and the run would measure that server."""
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            sys.exit(f"port {port} is in use: pass another --port")
        return probe.getsockname()[1]


def server_cpu_seconds(port: int) -> float | None:
    """User + system CPU of the gunicorn processes serving `port` (Linux /proc): what the server
    spent, whatever else shares the machine's cores; PostgreSQL's backends are not counted.
    None if no such process runs."""
    total, found = 0, False
    for proc in Path("/proc").iterdir():
        try:
            cmdline = (proc / "cmdline").read_bytes().split(b"\0")
            if b"aragora_support.wsgi" in cmdline and f"127.0.0.1:{port}".encode() in cmdline:
                fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])  # utime, stime
                found = True
        except (OSError, ValueError, IndexError):
            continue
    return total / os.sysconf("SC_CLK_TCK") if found else None


def read_stats(prefix: str) -> tuple[list[dict], list[dict]]:
    with open(f"{prefix}_stats.csv") as fh:
        rows = [r for r in csv.DictReader(fh) if r["Name"] != "Aggregated"]
    with open(f"{prefix}_failures.csv") as fh:
        failures = list(csv.DictReader(fh))
    return rows, failures


def _ms(value: str) -> float:
    return float(value) if value not in ("", "N/A") else float("nan")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/aragora_load")
    parser.add_argument("--orgs", type=int, default=1000)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--cache-url", default=os.environ.get("CACHE_URL", "redis://127.0.0.1:6379/10"))
    parser.add_argument("--broker-url", default=os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/9"))
    parser.add_argument("--customers", type=int, default=200, help="distinct customer accounts (one per organisation)")
    parser.add_argument("--staff", type=int, default=None,
                        help="distinct staff accounts (default: enough for every Staff user to have its own)")
    parser.add_argument("--users", type=int, default=32)
    parser.add_argument("--spawn-rate", type=float, default=8)
    parser.add_argument("--run-time", default="2m")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--port", type=int, default=0, help="default: a free one")
    parser.add_argument("--out", default=str(Path(tempfile.gettempdir()) / "aragora-load"),
                        help="directory for locust's CSV files, the users file and the server's var dir")
    args = parser.parse_args()

    # Staff users are a quarter of the users (locustfile weights); each needs its own account.
    args.staff = args.staff or args.users // 3 + 1
    locust = find_locust()
    args.port = free_port(args.port)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    env = django_env(args.database_url, CACHE_URL=args.cache_url, CELERY_BROKER_URL=args.broker_url,
                     ARAGORA_VAR_DIR=str(out / "var"), NUM_PROXIES="1")
    ensure_database(args.database_url)
    manage(env, "migrate", "-v0")
    ensure_scale_data(env, args.orgs, args.tickets)
    users = shell(env, USERS_CODE.replace("__CUSTOMERS__", str(args.customers)).replace("__STAFF__", str(args.staff)))
    users_file = out / "users.json"
    users_file.write_text(users.splitlines()[-1])
    data = json.loads(users_file.read_text())
    print(f"users: {len(data['customers'])} customers in as many organisations, {len(data['staff'])} staff")

    prefix = str(out / "locust")
    load_before = os.getloadavg()[0]
    with gunicorn(env, args.port, args.workers) as base:
        cpu_before = server_cpu_seconds(args.port)
        if cpu_before is None:
            sys.exit(f"our gunicorn is not the server on port {args.port}")
        run = subprocess.run(
            [locust, "-f", str(ROOT / "bench" / "locustfile.py"), "--host", base, "--headless",
             "--users", str(args.users), "--spawn-rate", str(args.spawn_rate), "--run-time", args.run_time,
             "--csv", prefix, "--only-summary", "--loglevel", "WARNING"],
            env={**os.environ, "LOAD_USERS": str(users_file)}, cwd=ROOT)
        cpu_after = server_cpu_seconds(args.port)
        if cpu_after is None:
            sys.exit("gunicorn died during the run")
        server_cpu = cpu_after - cpu_before
    load_after = os.getloadavg()[0]
    # The send tasks the run published: nobody consumes them here.
    manage(env, "shell", "-v", "0", "-c", "from aragora_support.celery import app; app.control.purge()")
    if not Path(f"{prefix}_stats.csv").exists():
        sys.exit(f"locust wrote no statistics (exit {run.returncode})")
    rows, failures = read_stats(prefix)

    trivial = next((r for r in rows if r["Name"].startswith("baseline")), None)
    base_p50 = _ms(trivial["50%"]) if trivial else 0
    total = sum(int(r["Request Count"]) for r in rows if r is not trivial)
    reads = sum(int(r["Request Count"]) for r in rows if r is not trivial and r["Type"] == "GET")
    print(f"\n{args.users} users ({args.spawn_rate:g}/s), {args.run_time}, gunicorn {args.workers} sync workers, "
          f"PostgreSQL, {args.tickets} tickets; reads {reads / max(total, 1):.0%} of {total} journey requests")
    # The server, PostgreSQL and locust share this machine's cores with whatever else runs.
    print(f"load average (1 min) {load_before:.1f} before, {load_after:.1f} at the end, on {os.cpu_count()} cores; "
          f"gunicorn CPU {1000 * server_cpu / max(total + int(trivial['Request Count'] if trivial else 0), 1):.1f} ms "
          f"per request (PostgreSQL's not counted)")
    print(f"{'endpoint':44} {'method':6} {'requests':>8} {'p50 ms':>7} {'p99 ms':>7} {'x trivial':>9} {'errors':>6}")
    ok = run.returncode in (0, 1)  # 1: locust saw failures, which the table shows
    for r in sorted(rows, key=lambda r: (r is trivial, r["Name"], r["Type"])):
        p50, p99, errors = _ms(r["50%"]), _ms(r["99%"]), int(r["Failure Count"])
        ratio = f"{p50 / base_p50:9.1f}" if base_p50 and r is not trivial else f"{'':9}"
        target = SIGN_IN_TARGET_MS if r["Name"] in SIGN_IN_ROWS else P99_TARGET_MS
        ok &= p99 < target and errors == 0
        print(f"{r['Name']:44} {r['Type']:6} {int(r['Request Count']):8d} {p50:7.0f} {p99:7.0f} {ratio} {errors:6d}")
    for f in failures:
        print(f"error: {f['Method']} {f['Name']}: {f['Occurrences']}x {f['Error'][:300]}")
    print(f"target (p99 < {P99_TARGET_MS} ms per endpoint, sign-in < {SIGN_IN_TARGET_MS} ms, no errors):",
          "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

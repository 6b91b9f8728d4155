#!/usr/bin/env python
"""The status page at scale: GET /status/ and /status.json with 20 components and two years of
incidents, as requests per second against a bare 404 in the same gunicorn server (one run), and
the month-end uptime and credits of 10,000 organisations (seconds).

    .venv/bin/python bench/status.py [--orgs 10000] [--seconds 10] [--connections 16]

Needs PostgreSQL on 127.0.0.1:5432 (trust auth) and Debian's `wrk`. Creates (once) and reuses
the database `aragora_bench_status`. The page is measured as served: every request renders (wrk
sends no If-None-Match; the Cache-Control and ETag would spare browsers and proxies the rest).
"""
import argparse
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import django_env, ensure_database, gunicorn, manage, shell, wrk  # noqa: E402

BUILD = r"""
import datetime as dt, random
from django.db import transaction
from django.utils import timezone
from accounts.models import Organization, Tier, User
from status.models import (Component, Incident, IncidentComponent, IncidentUpdate, MaintenanceWindow,
                           UptimeAgreement)
random.seed(14)
if Incident.objects.count() < 500:
    with transaction.atomic():
        for i in range(Component.objects.count(), 20):
            Component.objects.create(name=f"Region {i}", position=i)
        components = list(Component.objects.all())
        now = timezone.now()
        start = now - dt.timedelta(days=730)
        staff, _ = User.objects.get_or_create(username="status-bench", defaults={"is_staff": True})
        incidents, links, updates = [], [], []
        for n in range(700):  # about one a day: two years of a busy platform
            began = start + dt.timedelta(minutes=random.randrange(730 * 1440))
            ended = began + dt.timedelta(minutes=random.randrange(5, 600))
            incidents.append(Incident(title=f"Incident {n}", status="resolved", impact=random.choice(
                ["none", "minor", "minor", "major", "critical"]), started_at=began, resolved_at=ended,
                created_at=began, updated_at=ended))
        Incident.objects.bulk_create(incidents)
        for incident in incidents:
            for c in random.sample(components, random.randint(1, 3)):
                links.append(IncidentComponent(incident=incident, component=c, status=random.choice(
                    ["degraded_performance", "partial_outage", "major_outage"])))
            for k, status in enumerate(["investigating", "identified", "monitoring", "resolved"]):
                updates.append(IncidentUpdate(incident=incident, status=status, body=f"Update {k}: " + "x" * 200,
                                              created_at=incident.started_at + dt.timedelta(minutes=k * 20)))
        IncidentComponent.objects.bulk_create(links)
        IncidentUpdate.objects.bulk_create(updates)
        live = Incident.objects.create(title="API errors", impact="major", started_at=now - dt.timedelta(hours=1))
        IncidentComponent.objects.create(incident=live, component=components[0], status="major_outage")
        IncidentUpdate.objects.create(incident=live, body="Investigating.")
        for w in range(100):
            begins = start + dt.timedelta(days=7 * w, hours=2)
            window = MaintenanceWindow.objects.create(
                title=f"Maintenance {w}", description="Planned.", starts_at=begins, ends_at=begins + dt.timedelta(hours=1),
                announced_revision=1, announced_at=begins - dt.timedelta(hours=random.choice([24, 72])),
                status="completed" if begins < now else "scheduled")
            window.components.set(random.sample(components, 2))
need = {orgs} - Organization.objects.filter(tier__code__in=["pro", "enterprise"]).count()
if need > 0:
    tiers = list(Tier.objects.filter(code__in=["pro", "enterprise"]))
    made = Organization.objects.bulk_create(Organization(name=f"Status bench {i}", tier=tiers[i % 2],
                                                         account_id=f"ara_sb{i:07d}") for i in range(need))
    components = list(Component.objects.all())
    agreements = UptimeAgreement.objects.bulk_create(UptimeAgreement(organization=o) for o in made[::3])
    through = UptimeAgreement.components.through
    through.objects.bulk_create(through(uptimeagreement_id=a.pk, component_id=c.pk)
                                for a in agreements for c in random.sample(components, 5))
print(Incident.objects.count(), Organization.objects.count())
"""

SETTLE = r"""
import time, datetime as dt
from django.utils import timezone
from status.credits import credits_settle
from status.models import ServiceCredit
first = timezone.now().date().replace(day=1)
month = (first - dt.timedelta(days=1)).replace(day=1)
ServiceCredit.objects.filter(month=month).delete()
started = time.perf_counter()
n = credits_settle(month)
print(n, round(time.perf_counter() - started, 2), ServiceCredit.objects.filter(month=month, credit_percent__gt=0).count())
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/aragora_bench_status")
    parser.add_argument("--orgs", type=int, default=10_000)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (this machine has 2 cores)")
    parser.add_argument("--port", type=int, default=8766)
    args = parser.parse_args()

    env = django_env(args.database_url, CACHE_URL="locmemcache://")
    ensure_database(args.database_url)
    manage(env, "migrate", "-v0")
    started = time.monotonic()
    print("data (incidents, organisations):", shell(env, BUILD.replace("{orgs}", str(args.orgs))),
          f"({time.monotonic() - started:.0f} s)")

    results = {}
    with gunicorn(env, args.port, args.workers) as base:
        for path in ("/status/", "/status.json"):  # a fast wrong answer is no result
            with urllib.request.urlopen(base + path, timeout=10) as response:
                body = response.read().decode()
                assert response.status == 200 and "API errors" in body and "Region 19" in body, path
        runs = {"bare 404": f"{base}/bench/no-such-page", "/status/": f"{base}/status/",
                "/status.json": f"{base}/status.json"}
        for url in runs.values():
            wrk(url, connections=args.connections, seconds=2)  # warm every worker
        for name, url in runs.items():
            results[name] = wrk(url, connections=args.connections, seconds=args.seconds)

    print(f"\n20 components, two years of incidents; {args.connections} clients, {args.seconds} s each, "
          f"gunicorn {args.workers} sync workers, PostgreSQL")
    print(f"{'endpoint':16} {'req/s':>8} {'ratio':>6} {'p50 ms':>7} {'p99 ms':>7} {'non-2xx':>8}")
    baseline = results["bare 404"]["rps"]
    for name, r in results.items():
        print(f"{name:16} {r['rps']:8.0f} {r['rps'] / baseline:6.2f} {r['p50_ms']:7.1f} {r['p99_ms']:7.1f} "
              f"{r['errors']:8d}")
    settled, seconds, owed = shell(env, SETTLE).split()
    print(f"\nmonth-end uptime and credits: {settled} organisations in {seconds} s ({owed} owed a credit)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python
"""Report rendering: one QBR deck with its charts (median time and peak memory, target <= 1 s),
and 1,000 monthly usage reports fanned out over two Celery worker processes (reports a minute).

    .venv/bin/python bench/reports.py [--runs 7] [--reports 1000] [--workers 2]

Needs PostgreSQL on 127.0.0.1:5432 (trust auth) and Redis on 127.0.0.1:6379 (database 11 as the
broker). Creates (once) and reuses the database `aragora_bench_reports`: the demo data, plus
--reports Pro and Enterprise organisations with a month of daily usage and a few tickets each.
"""
import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import PYTHON, ROOT, django_env, ensure_database, manage, shell  # noqa: E402

BUILD = r"""
import datetime as dt, random
from django.db import transaction
from django.utils import timezone
from accounts.models import Organization, Tier, User
from qbr.models import DailyUsage
from qbr.monthly import last_month
from tickets.models import Ticket
random.seed(15)
month = last_month(timezone.now().date())
have = Organization.objects.filter(name__startswith="Report bench ").count()
need = {reports} - have
if need > 0:
    tiers = list(Tier.objects.filter(code__in=["pro", "enterprise"]))
    with transaction.atomic():
        made = Organization.objects.bulk_create(Organization(name=f"Report bench {have + i}", tier=tiers[i % 2],
                                                             account_id=f"ara_rb{have + i:07d}") for i in range(need))
        Organization.objects.filter(pk__in=[o.pk for o in made]).update(created_at=timezone.now() - dt.timedelta(days=400))
        users = User.objects.bulk_create(User(username=f"rb-admin-{o.account_id}", email=f"admin@{o.account_id}.example",
                                              organization=o, customer_role="admin") for o in made)
        days = [month + dt.timedelta(days=d) for d in range(28)] + [month - dt.timedelta(days=d) for d in range(1, 60)]
        rows = []
        for o in made:
            for day in days:
                rows += [DailyUsage(organization=o, date=day, metric="debates", value=random.randint(10, 90)),
                         DailyUsage(organization=o, date=day, metric="tokens", value=random.randint(10**5, 10**6)),
                         DailyUsage(organization=o, date=day, metric="api_calls", value=random.randint(500, 5000))]
        DailyUsage.objects.bulk_create(rows, batch_size=5000)
        created = dt.datetime.combine(month + dt.timedelta(days=3), dt.time(10), tzinfo=dt.timezone.utc)
        Ticket.objects.bulk_create(Ticket(organization=o, requester=u, subject="Bench ticket", description="x",
                                          severity=random.choice(["P2", "P3", "P4"]), channel="portal",
                                          created_at=created) for o, u in zip(made, users) for _ in range(3))
print(Organization.objects.filter(name__startswith="Report bench ").count())
"""

DECK = r"""
import statistics, time, tracemalloc, resource
from django.utils import timezone
from accounts.models import Organization
from feedback.figures import quarter_of
from qbr import documents, pdf, periods, services
from qbr.models import ReportKind
org = Organization.objects.filter(tier__code="enterprise").order_by("pk").first()
year, quarter = periods.previous_quarter(*quarter_of(timezone.now().date()))
qbr = services.qbr_open(organization=org, year=year, quarter=quarter)
data_ms, render_ms, peaks = [], [], []
for run in range({runs} + 1):
    started = time.perf_counter()
    data = documents.build(ReportKind.QBR, org, qbr.period)
    built = time.perf_counter()
    body, pages, refused = pdf.render(documents.TEMPLATES[ReportKind.QBR], documents.context(ReportKind.QBR, data))
    done = time.perf_counter()
    if run:  # the first run loads fonts and templates
        data_ms.append((built - started) * 1000); render_ms.append((done - built) * 1000)
tracemalloc.start()  # apart from the timed runs: tracing doubles the time it measures
pdf.render(documents.TEMPLATES[ReportKind.QBR], documents.context(ReportKind.QBR, data))
peaks.append(tracemalloc.get_traced_memory()[1])
tracemalloc.stop()
assert not refused and body.startswith(b"%PDF")
total = [d + r for d, r in zip(data_ms, render_ms)]
print(org.name, qbr.period, pages, round(statistics.median(data_ms)), round(statistics.median(render_ms)),
      round(statistics.median(total)), round(max(total)), round(max(peaks) / 2**20, 1),
      round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024), len(body) // 1024)
"""

RESET = r"""
from django.utils import timezone
from notifications.models import Notification
from qbr.models import RenderedReport, UsageReport
from qbr.monthly import last_month
month = last_month(timezone.now().date())
period = f"{month:%Y-%m}"
UsageReport.objects.filter(month=month).delete()
RenderedReport.objects.filter(kind="usage", period=period).delete()
Notification.objects.filter(template="usage_report", key__contains=f":{period}:").delete()
print(period)
"""

FAN_OUT = r"""
from qbr.monthly import usage_reports_due
print(usage_reports_due()["queued"])
"""

PROGRESS = r"""
from django.db.models import Count
from qbr.models import RenderedReport
rows = dict(RenderedReport.objects.filter(kind="usage", period="{period}").values_list("status").annotate(n=Count("pk")))
print(rows.get("ready", 0), rows.get("failed", 0), rows.get("queued", 0) + rows.get("rendering", 0))
"""

CHECK = r"""
from django.db.models import Avg, Max
from notifications.models import Notification
from qbr.models import RenderedReport, UsageReport
mails = Notification.objects.filter(template="usage_report", key__contains=":{period}:")
ready = RenderedReport.objects.filter(kind="usage", period="{period}", status="ready")
agg = ready.aggregate(avg=Avg("render_ms"), max=Max("render_ms"), pages=Max("pages"))
print(UsageReport.objects.filter(month__startswith="{period}").count(), mails.count(), mails.values("key").distinct().count(),
      round(agg["avg"] or 0), agg["max"], agg["pages"])
"""


def _wait_for_worker(env: dict, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while subprocess.run([PYTHON, "-m", "celery", "-A", "aragora_support", "inspect", "ping", "--timeout", "1"],
                         cwd=ROOT, env=env, capture_output=True).returncode != 0:
        if time.monotonic() >= deadline:
            raise RuntimeError("the bench worker did not answer a ping")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/aragora_bench_reports")
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/11")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--reports", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2, help="worker processes (this machine has 2 cores)")
    args = parser.parse_args()

    media = Path(os.environ.get("BENCH_MEDIA", "/tmp/aragora-bench-reports-media"))
    env = django_env(args.database_url, CELERY_BROKER_URL=args.broker, CACHE_URL="locmemcache://",
                     MEDIA_ROOT=str(media), FEEDBACK_METRICS_CACHE_SECONDS="0")
    ensure_database(args.database_url)
    manage(env, "migrate", "-v0")
    if shell(env, "from accounts.models import Organization; print(Organization.objects.filter(name='Acme Corporation').exists())") != "True":
        manage(env, "seed_demo")
    started = time.monotonic()
    print("organisations with usage:", shell(env, BUILD.replace("{reports}", str(args.reports))),
          f"({time.monotonic() - started:.0f} s)")

    name, period, pages, data_ms, render_ms, total_ms, worst_ms, peak_mb, rss_mb, kb = \
        shell(env, DECK.replace("{runs}", str(args.runs))).rsplit(" ", 9)
    print(f"\nQBR deck of {name} {period}: {pages} slides, {kb} KB, median of {args.runs} runs")
    print(f"  figures {data_ms} ms + render {render_ms} ms = {total_ms} ms (worst {worst_ms} ms; target <= 1000)")
    print(f"  peak Python memory during a render {peak_mb} MB; process max RSS {rss_mb} MB")

    period = shell(env, RESET)
    subprocess.run(["redis-cli", "-u", args.broker, "FLUSHDB"], check=True, capture_output=True)
    worker = subprocess.Popen(
        [PYTHON, "-m", "celery", "-A", "aragora_support", "worker", "--concurrency", str(args.workers),
         "--pool", "prefork", "--without-gossip", "--without-mingle", "--loglevel", "WARNING",
         "-n", "bench-reports@%h"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for_worker(env)  # the worker's start-up is not the renders' time
        started = time.monotonic()
        queued = int(shell(env, FAN_OUT))
        while True:
            ready, failed, pending = map(int, shell(env, PROGRESS.replace("{period}", period)).split())
            if not pending or time.monotonic() - started > 1800:
                break
            time.sleep(2)
        elapsed = time.monotonic() - started
    finally:
        worker.terminate()
        worker.wait(timeout=60)
    reports, mails, distinct, avg_ms, max_ms, report_pages = shell(env, CHECK.replace("{period}", period)).split()
    print(f"\nmonthly usage reports for {period}: {queued} queued by one beat tick, {ready} ready, {failed} failed, "
          f"{pending} unfinished, over {args.workers} worker processes")
    print(f"  {elapsed:.0f} s from the tick to the last PDF: {ready and int(ready) / elapsed * 60:.0f} reports a minute "
          f"(render {avg_ms} ms mean, {max_ms} ms worst, {report_pages} page(s))")
    print(f"  {reports} report rows, {mails} mails ({distinct} distinct keys: one per admin and month)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python
"""One SLA sweep over 1,000,000 open tickets with 1,000 due, and with 10,000 due (PostgreSQL):
wall time and query count. Target: under 2 s for 1,000 due; queries constant.

    .venv/bin/python bench/sla_sweep.py [--open 1000000] [--due 1000 10000]

Needs PostgreSQL on 127.0.0.1:5432. Creates (once) and reuses the database `aragora_bench_sweep`;
the million tickets are inserted with one INSERT ... SELECT generate_series (about a minute).
Each due ticket is a Pro P3 whose response target has just passed: the sweep records one
breach per ticket and queues its notifications (sent later by workers: not timed here).
"""
import argparse
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ensure_database  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/aragora_bench_sweep")
    parser.add_argument("--open", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, nargs="+", default=[1000, 10_000])
    parser.add_argument("--broker-url", default="redis://127.0.0.1:6379/7",
                        help="where the sweep publishes send tasks after commit (production: Redis)")
    parser.add_argument("--profile", action="store_true", help="print the top of a cProfile of each sweep")
    args = parser.parse_args()

    ensure_database(args.database_url)
    os.environ.update(DATABASE_URL=args.database_url, DJANGO_SETTINGS_MODULE="aragora_support.settings", ARAGORA_DEMO="1",
                      LOG_LEVEL="WARNING", CACHE_URL="locmemcache://", CELERY_BROKER_URL=args.broker_url)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    call_command("migrate", verbosity=0)
    build(connection, args.open)
    from tickets.sla.sweep import sla_sweep

    print(f"\nOne sla_sweep over {count(connection):,} open tickets (PostgreSQL)")
    print(f"{'due':>8} {'wall s':>8} {'queries':>8} {'tickets':>8} {'breaches':>9} {'notifications':>14}")
    ok = True
    for due in args.due:
        make_due(connection, due)
        profiler = cProfile.Profile() if args.profile else None
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            if profiler:
                profiler.enable()
            counts = sla_sweep()
            wall = time.perf_counter() - started
        if profiler:
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
        print(f"{due:8,} {wall:8.2f} {len(queries.captured_queries):8} {counts['tickets']:8,} "
              f"{counts['sla_breached']:9,} {counts['notifications']:14,}")
        assert counts["tickets"] == due, "the sweep must take exactly the due tickets"
        ok &= (wall < 2.0) if due <= 1000 else True
    print("target (1,000 due in under 2 s):", "met" if ok else "NOT met")
    return 0 if ok else 1


def count(connection) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM tickets_ticket WHERE status NOT IN ('resolved', 'closed')")
        return cursor.fetchone()[0]


def build(connection, n_open: int) -> None:
    from django.contrib.auth.models import Group

    from accounts.models import CustomerRole, Organization, Tier, User

    if count(connection) >= n_open:
        return
    started = time.perf_counter()
    pro = Tier.objects.get(code="pro")
    org = Organization.objects.create(name="Sweep bench", tier=pro)
    customer = User.objects.create(username=f"sweep-{org.pk}", organization=org, customer_role=CustomerRole.ADMIN)
    for i in range(3):  # L1 contacts: each due ticket notifies them
        staff = User.objects.create(username=f"sweep-se-{org.pk}-{i}", email=f"se{i}@aragora.ai", is_staff=True)
        staff.groups.add(Group.objects.get(name="Support engineer"))
    with connection.cursor() as cursor:
        # Open tickets whose next check is days to months away: the sweep must not read them.
        cursor.execute(
            """
            INSERT INTO tickets_ticket (organization_id, requester_id, subject, description, severity, status,
                channel, environment, affected_users, business_impact, already_tried, queue, created_at,
                updated_at, resolution_paused_seconds, escalation_level, response_due_at, response_warn_at,
                sla_next_check_at)
            SELECT %s, %s, 'Bench ticket ' || g, 'Generated', 'P3', 'in_progress', 'portal', 'production',
                   '', '', '', 'standard', now(), now(), 0, 1, now() + (g %% 90 + 1) * interval '1 day',
                   now() + (g %% 90 + 1) * interval '1 day' - interval '2 hours',
                   now() + (g %% 90 + 1) * interval '1 day' - interval '2 hours'
            FROM generate_series(1, %s) AS g
            """,
            [org.pk, customer.pk, n_open],
        )
        cursor.execute("ANALYZE tickets_ticket")
    print(f"built {n_open:,} open tickets in {time.perf_counter() - started:.0f} s")


def make_due(connection, due: int) -> None:
    """The first `due` bench tickets have just passed their response target; nothing else is due."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM tickets_ticketevent WHERE kind = 'sla_breached'")
        cursor.execute("DELETE FROM notifications_notification")
        cursor.execute("""
            UPDATE tickets_ticket SET response_breached_at = NULL, response_warned_at = now() - interval '1 hour',
                   response_due_at = now() + interval '30 days', sla_next_check_at = now() + interval '29 days'
            WHERE subject LIKE 'Bench ticket %%'
              AND (response_breached_at IS NOT NULL OR sla_next_check_at <= now() + interval '1 day')""")
        cursor.execute("""
            UPDATE tickets_ticket SET response_due_at = now() - interval '1 minute',
                   sla_next_check_at = now() - interval '1 minute'
            WHERE id IN (SELECT id FROM tickets_ticket WHERE subject LIKE 'Bench ticket %%' ORDER BY id LIMIT %s)""",
                       [due])
        cursor.execute("ANALYZE tickets_ticket")


if __name__ == "__main__":
    sys.exit(main())

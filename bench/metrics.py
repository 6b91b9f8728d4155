#!/usr/bin/env python
"""The team's figures over 1,000,000 tickets with their events (PostgreSQL): GET /api/v1/metrics/
and the staff dashboard (charts included) for one month and for a year; time per request and
query count. Target: under 300 ms a request.

    .venv/bin/python bench/metrics.py [--tickets 1000000] [--orgs 1000] [--runs 5]

Needs PostgreSQL on 127.0.0.1:5432. Creates (once) and reuses the database
`aragora_bench_metrics`. The data is inserted with INSERT ... SELECT generate_series, as
bench/sla_sweep.py does (seed_demo's bulk mode builds objects in Python: an hour for a million):
a year of tickets over Pro and Enterprise organisations, each with its created, first reply and
resolution events, due and stop times, the durations feedback stores on write (business time
approximated for the bench data: the reader only aggregates the stored numbers), a rating for a
third of the resolutions and four quarters of NPS answers. Requests go through Django's test
client in this process (no network), each measured after a warm-up; the median of --runs.
"""
import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ensure_database  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/aragora_bench_metrics")
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--orgs", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    ensure_database(args.database_url)
    os.environ.update(DATABASE_URL=args.database_url, DJANGO_SETTINGS_MODULE="aragora_support.settings", ARAGORA_DEMO="1",
                      LOG_LEVEL="WARNING", CACHE_URL="locmemcache://", DEBUG="0")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    build(connection, args.tickets, args.orgs)
    measure(connection, args.runs)


def _count(connection, table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")
        return cursor.fetchone()[0]


def build(connection, n_tickets: int, n_orgs: int) -> None:
    from django.db import transaction

    with transaction.atomic():  # all or nothing: a failed build leaves no half data set behind
        _build(connection, n_tickets, n_orgs)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # as autovacuum would: the visibility map lets the tallied reader scan indexes only


def _build(connection, n_tickets: int, n_orgs: int) -> None:
    from accounts.models import CustomerRole, Organization, Tier, User

    if _count(connection, "tickets_ticket") >= n_tickets:
        print(f"data: {_count(connection, 'tickets_ticket'):,} tickets already present")
        return
    started = time.perf_counter()
    tiers = [Tier.objects.get(code="pro"), Tier.objects.get(code="enterprise")]
    orgs = Organization.objects.bulk_create(
        [Organization(name=f"Metrics bench {i}", tier=tiers[i % 2]) for i in range(n_orgs)])
    User.objects.bulk_create([User(username=f"metrics-bench-{o.pk}-{r}", organization=o, customer_role=r,
                                   email=f"{r}@bench{o.pk}.example") for o in orgs for r in CustomerRole.values])
    User.objects.get_or_create(username="metrics-bench-staff", defaults={"is_staff": True, "is_superuser": True})
    first_org, first_user = orgs[0].pk, User.objects.filter(organization_id=orgs[0].pk).order_by("pk")[0].pk
    sql = [
        # A year of tickets, newest first, spread over the organisations. The backlog is recent, as a
        # working desk's is: 15 % of the last three weeks' tickets are open (5 % unanswered), every
        # older one is resolved or closed.
        """
        INSERT INTO tickets_ticket (organization_id, requester_id, subject, description, severity, status, channel,
            environment, affected_users, business_impact, already_tried, queue, created_at, updated_at,
            resolution_paused_seconds, escalation_level, acknowledged_at, first_response_at, response_due_at,
            resolution_due_at, resolved_at)
        SELECT o, u, 'Bench ticket ' || g, 'Generated', sev, st, (ARRAY['portal','api','email','slack','phone'])[1 + g %% 5],
               'production', '', '', '', 'standard', c, c, 0, 1, fr, fr,
               c + (ARRAY[4, 8, 24, 72])[s] * interval '1 hour',
               CASE WHEN s < 4 THEN c + (ARRAY[1, 3, 7])[s] * interval '1 day' END,
               CASE WHEN st IN ('resolved', 'closed') THEN c + ((g * 104729) %% 604800) * interval '1 second' END
        FROM (SELECT g, %(org)s + g %% %(orgs)s AS o, %(user)s + (g %% %(orgs)s) * 2 + (g / %(orgs)s) %% 2 AS u,
                     now() - (g::float8 * 31536000 / %(n)s) * interval '1 second' AS c, 1 + g %% 4 AS s,
                     (ARRAY['P1','P2','P3','P4'])[1 + g %% 4] AS sev,
                     CASE WHEN g %% 20 < 17 OR g > %(n)s * 21 / 365 THEN (ARRAY['resolved','closed'])[1 + g %% 2]
                          ELSE (ARRAY['new','in_progress','waiting_on_customer'])[1 + g %% 3] END AS st,
                     CASE WHEN g %% 20 <> 19 OR g > %(n)s * 21 / 365 THEN now() - (g::float8 * 31536000 / %(n)s) * interval '1 second'
                          + ((g * 7919) %% 50000) * interval '1 second' END AS fr
              FROM generate_series(1::bigint, %(n)s) AS g) AS x
        """,
        "ANALYZE tickets_ticket",
        # Their events: created, the first staff reply, the resolution.
        """
        INSERT INTO tickets_ticketevent (ticket_id, actor_id, kind, data, created_at)
        SELECT id, requester_id, 'created', jsonb_build_object('channel', channel, 'severity', severity), created_at
        FROM tickets_ticket WHERE subject LIKE 'Bench ticket %%'
        UNION ALL
        SELECT id, NULL, 'replied', '{"by_staff": true}'::jsonb, first_response_at
        FROM tickets_ticket WHERE subject LIKE 'Bench ticket %%' AND first_response_at IS NOT NULL
        UNION ALL
        SELECT id, NULL, 'status_changed', jsonb_build_object('old', 'in_progress', 'new', status, 'reopened', false),
               resolved_at
        FROM tickets_ticket WHERE subject LIKE 'Bench ticket %%' AND resolved_at IS NOT NULL
        """,
        # The durations the subscriber stores (business time: about 9/24 x 5/7 of calendar on Pro).
        """
        INSERT INTO feedback_tickettiming (ticket_id, organization_id, tier_id, severity, first_response_at,
            first_response_seconds, first_response_business_seconds, resolved_at, resolution_seconds,
            resolution_business_seconds, first_resolved_at, reopen_count)
        SELECT t.id, t.organization_id, o.tier_id, t.severity, t.first_response_at,
               extract(epoch FROM t.first_response_at - t.created_at),
               extract(epoch FROM t.first_response_at - t.created_at) * CASE WHEN o.tier_id = %(pro)s THEN 0.27 ELSE 1 END,
               t.resolved_at, extract(epoch FROM t.resolved_at - t.created_at),
               extract(epoch FROM t.resolved_at - t.created_at) * CASE WHEN o.tier_id = %(pro)s THEN 0.27 ELSE 1 END,
               t.resolved_at, (t.id %% 12 = 0)::int
        FROM tickets_ticket t JOIN accounts_organization o ON o.id = t.organization_id
        WHERE t.subject LIKE 'Bench ticket %%' AND (t.first_response_at IS NOT NULL OR t.resolved_at IS NOT NULL)
        """,
        # A rating for a third of the resolutions.
        """
        INSERT INTO feedback_ticketrating (ticket_id, round, requester_id, organization_id, tier_id, score, comment,
            requested_at, expires_at, rated_at, changes)
        SELECT t.id, 1, t.requester_id, t.organization_id, o.tier_id, (ARRAY[5,5,5,4,4,4,3,2,1])[1 + t.id %% 9], '',
               t.resolved_at, t.resolved_at + interval '14 days', t.resolved_at + interval '3 hours', 0
        FROM tickets_ticket t JOIN accounts_organization o ON o.id = t.organization_id
        WHERE t.subject LIKE 'Bench ticket %%' AND t.resolved_at IS NOT NULL AND t.id %% 3 = 0
        """,
        # Four quarters of NPS answers from every contact.
        """
        INSERT INTO feedback_npssurvey (user_id, organization_id, tier_id, year, quarter, score, comment, sent_at,
            answered_at)
        SELECT u.id, u.organization_id, o.tier_id, extract(year FROM q)::int, extract(quarter FROM q)::int,
               (u.id + extract(month FROM q)::int) %% 11, '', q, q + interval '5 days'
        FROM accounts_user u JOIN accounts_organization o ON o.id = u.organization_id,
             generate_series(date_trunc('quarter', now()) - interval '9 months', date_trunc('quarter', now()),
                             interval '3 months') AS q
        WHERE u.username LIKE 'metrics-bench-%%' AND u.organization_id IS NOT NULL
        """,
    ]
    params = {"org": first_org, "orgs": n_orgs, "user": first_user, "n": n_tickets, "pro": tiers[0].pk}
    with connection.cursor() as cursor:
        for statement in sql:
            step = time.perf_counter()
            cursor.execute(statement, params)
            print(f"  {statement.split()[0]} {statement.split()[2] if len(statement.split()) > 2 else ''}: "
                  f"{time.perf_counter() - step:.0f} s")
    print(f"data: built {n_tickets:,} tickets, {_count(connection, 'tickets_ticketevent'):,} events in "
          f"{time.perf_counter() - started:.0f} s")


def measure(connection, runs: int) -> None:
    import datetime as dt

    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from accounts.models import User

    staff = User.objects.get(username="metrics-bench-staff")
    customer = (User.objects.filter(username__startswith="metrics-bench-", customer_role="admin")
                .order_by("pk").first())
    today = timezone.now().date()
    month_end = today.replace(day=1) - dt.timedelta(days=1)
    month = f"from={month_end.replace(day=1)}&to={month_end}"
    year = f"from={today - dt.timedelta(days=364)}&to={today}"
    staff_client, customer_client = Client(), Client()
    staff_client.force_login(staff)
    customer_client.force_login(customer)
    cases = [
        ("API, staff, all, one month", staff_client, f"/api/v1/metrics/?{month}"),
        ("API, staff, all, one year", staff_client, f"/api/v1/metrics/?{year}"),
        ("API, staff, tier pro, one year", staff_client, f"/api/v1/metrics/?{year}&tier=pro"),
        ("API, customer admin (own org), one year", customer_client, f"/api/v1/metrics/?{year}"),
        ("dashboard, all, one month", staff_client,
         f"/admin/feedback/monthlyreview/dashboard/?from={month_end:%Y-%m}&to={month_end:%Y-%m}"),
        ("dashboard, all, 12 months", staff_client,
         f"/admin/feedback/monthlyreview/dashboard/?from={today - dt.timedelta(days=334):%Y-%m}&to={today:%Y-%m}"),
    ]
    from django.core.cache import cache
    from django.test import override_settings

    print(f"\nFigures over {_count(connection, 'tickets_ticket'):,} tickets and "
          f"{_count(connection, 'tickets_ticketevent'):,} events (PostgreSQL), median of {runs} after a warm-up")
    verdict = {}
    for mode, ttl in (("computed on every request (cache off)", 0), ("from the figures cache (300 s)", 300)):
        print(f"\n{mode}\n{'request':45} {'median ms':>10} {'max ms':>8} {'queries':>8}")
        ok = True
        with override_settings(FEEDBACK_METRICS_CACHE_SECONDS=ttl):
            cache.clear()
            for name, client, url in cases:
                assert client.get(url).status_code == 200, url
                times = []
                for _ in range(runs):
                    with CaptureQueriesContext(connection) as queries:
                        started = time.perf_counter()
                        response = client.get(url)
                        times.append((time.perf_counter() - started) * 1000)
                    assert response.status_code == 200
                median = statistics.median(times)
                ok &= median < 300
                print(f"{name:45} {median:10.0f} {max(times):8.0f} {len(queries.captured_queries):8}")
        verdict[mode] = ok
    for mode, ok in verdict.items():
        print(f"target (under 300 ms a request), {mode}:", "met" if ok else "NOT met")


if __name__ == "__main__":
    sys.exit(main())

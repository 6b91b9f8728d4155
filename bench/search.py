#!/usr/bin/env python
"""Search and the admin queue at scale: GET /api/v1/tickets/?q= for one-word and three-word
queries (staff over every ticket, a customer admin over their organisation's), the admin
changelist with its search and a filter, and a ticket's change page; each timing next to a bare
endpoint (/bench/trivial) measured in the same run, and the query plans.

    .venv/bin/python bench/search.py [--orgs 10000] [--tickets 1000000] [--requests 60]

Needs PostgreSQL on 127.0.0.1:5432 (trust auth). Creates (once) and reuses the database
`aragora_bench_1m` (seed_demo --orgs N --tickets M: realistic text, ~3 messages per ticket).
Requests are sequential (one client), so a timing is a request's latency, not a queue's.
Targets: search median < 50 ms and p99 < 200 ms; admin list, filter and search < 150 ms; change
page < 100 ms.
"""
import argparse
import http.cookiejar
import re
import statistics
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import django_env, ensure_database, ensure_scale_data, gunicorn, manage, shell  # noqa: E402

SETUP = r"""
import random
from django.db import connection
from accounts.models import ApiToken, User
from accounts.services import api_token_create
from django.db.models import Count
random.seed(16)
staff, _ = User.objects.get_or_create(username="bench-staff", defaults={"is_staff": True, "is_superuser": True})
staff.is_superuser = True
staff.set_password("bench-password")
staff.save()
admin = (User.objects.filter(customer_role="admin").annotate(n=Count("organization__tickets")).order_by("-n").first())
ApiToken.objects.filter(user__in=[staff, admin], name="bench-search").delete()
with connection.cursor() as c:
    # Words by how many tickets' subject or description hold them (a sample: ts_stat over all
    # of them reads the table).
    c.execute("SELECT word, ndoc FROM ts_stat($$SELECT search_text FROM tickets_ticket TABLESAMPLE SYSTEM (5) REPEATABLE (16)$$) "
              "WHERE length(word) > 3 ORDER BY ndoc DESC, word")
    words = [w for w, _ in c.fetchall()]
    c.execute("SELECT subject FROM tickets_ticket TABLESAMPLE SYSTEM (1) REPEATABLE (16) LIMIT 200")
    subjects = [s for (s,) in c.fetchall()]
one = [words[i] for i in (0, 1, 5, 20, 50, 100, 200) if i < len(words)]
three = [" ".join(s.split()[:3]) for s in subjects if len(s.split()) >= 3][:10]
print(api_token_create(user=staff, name="bench-search")[1], api_token_create(user=admin, name="bench-search")[1],
      admin.organization.tickets.count(), random.choice(list(admin.organization.tickets.values_list("pk", flat=True))))
print("|".join(one))
print("|".join(three))
"""


PLANS = r"""
from django.db import connection
from django.utils import timezone
from accounts.models import User
from tickets import page_json, search, selectors
staff = User.objects.get(username="bench-staff")
admin = User.objects.filter(api_tokens__name="bench-search", is_staff=False).first()
cases = [("staff, first page", staff, ""), ("customer admin, first page", admin, ""),
         ("staff, search %(word)r", staff, %(word)r), ("customer admin, search %(word)r", admin, %(word)r)]
for label, user, q in cases:
    qs = search.ticket_search(selectors.tickets_visible_to(user), q, include_internal_notes=user.is_staff)
    sql, params = qs.values_list("pk", flat=True)[:51].query.sql_with_params()
    with connection.cursor() as c:
        c.execute("EXPLAIN (ANALYZE, BUFFERS) " + page_json.PAGE_SQL.replace("{ids}", sql), [timezone.now(), *params])
        print(f"-- {label}")
        print(chr(10).join(r[0] for r in c.fetchall()))
"""


def timed(opener, url: str, headers: dict, n: int) -> tuple[list[float], int]:
    times, errors = [], 0
    for i in range(n):
        request = urllib.request.Request(url if isinstance(url, str) else url[i % len(url)], headers=headers)
        started = time.perf_counter()
        try:
            with opener.open(request, timeout=30) as response:
                response.read()
                errors += response.status != 200
        except urllib.error.HTTPError:
            errors += 1
        times.append((time.perf_counter() - started) * 1000)
    return times, errors


def summary(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def admin_opener(base: str) -> urllib.request.OpenerDirector:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/admin/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"username": "bench-staff", "password": "bench-password",
                                   "csrfmiddlewaretoken": token, "next": "/admin/"}).encode()
    opener.open(urllib.request.Request(f"{base}/admin/login/", data=data, headers={"Referer": f"{base}/admin/login/"}))
    return opener


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/aragora_bench_1m")
    parser.add_argument("--orgs", type=int, default=10_000)
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=60, help="requests per row of the table")
    parser.add_argument("--port", type=int, default=8766)
    args = parser.parse_args()

    env = django_env(args.database_url, TICKET_LIST_CACHE="0")
    ensure_database(args.database_url)
    manage(env, "migrate", "-v0")
    ensure_scale_data(env, args.orgs, args.tickets)
    lines = shell(env, SETUP).splitlines()
    staff_key, customer_key, org_tickets, ticket_id = lines[-3].split()
    one, three = lines[-2].split("|"), lines[-1].split("|")
    staff = {"Authorization": f"Token {staff_key}"}
    customer = {"Authorization": f"Token {customer_key}"}
    print(f"one-word queries: {', '.join(one)}\nthree-word queries: {'; '.join(three)}")

    def search_urls(base, queries):
        return [f"{base}/api/v1/tickets/?" + urllib.parse.urlencode({"q": q}) for q in queries]

    rows = {}
    with gunicorn(env, args.port, 2) as base:
        plain = urllib.request.build_opener()
        admin = admin_opener(base)
        plan = {
            "bare endpoint (/bench/trivial)": (plain, f"{base}/bench/trivial", {}),
            f"search, staff, {args.tickets:,} tickets, one word": (plain, search_urls(base, one), staff),
            f"search, staff, {args.tickets:,} tickets, three words": (plain, search_urls(base, three), staff),
            f"search, customer admin, {int(org_tickets):,} tickets, one word": (plain, search_urls(base, one), customer),
            f"search, customer admin, {int(org_tickets):,} tickets, three words":
                (plain, search_urls(base, three), customer),
            "admin changelist": (admin, f"{base}/admin/tickets/ticket/", {}),
            "admin changelist, filter severity=P1 and status": (
                admin, f"{base}/admin/tickets/ticket/?severity__exact=P1&status__exact=new", {}),
            "admin changelist, search ?q=<one word>": (
                admin, [f"{base}/admin/tickets/ticket/?" + urllib.parse.urlencode({"q": q}) for q in one], {}),
            "admin change page": (admin, f"{base}/admin/tickets/ticket/{ticket_id}/change/", {}),
        }
        for opener, url, headers in plan.values():  # warm every worker's connection and statements
            timed(opener, url, headers, 6)
        for name, (opener, url, headers) in plan.items():
            rows[name] = timed(opener, url, headers, args.requests)

    bare = summary(rows["bare endpoint (/bench/trivial)"][0])[0]
    print(f"\n{args.requests} sequential requests each, gunicorn 2 workers, PostgreSQL, list cache off")
    print(f"| what | median ms | p99 ms | median / bare | errors |\n| --- | ---: | ---: | ---: | ---: |")
    for name, (times, errors) in rows.items():
        median, p99 = summary(times)
        print(f"| {name} | {median:.1f} | {p99:.1f} | {median / bare:.1f} | {errors} |")

    print("\nPlans (EXPLAIN ANALYZE) of the API list's page statement (tickets/page_json.py):")
    print(shell(env, PLANS % {"word": one[0]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

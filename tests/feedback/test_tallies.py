"""PostgreSQL's tallies (feedback.tallies, migration 0003): the figures read from them are the
figures counted from the rows, whatever was written, and the triggers agree with a recount.

The data is written the way bulk tools and the ORM write (bulk inserts, queryset updates,
deletes), so every trigger path runs: insert, update, delete, and an organisation changing tier.
"""
import datetime as dt
import random

import pytest
from django.db import connection

from accounts.models import Tier
from feedback import metrics
from feedback.models import AnswerTally, DurationTally, NpsSurvey, TicketRating, TicketTally, TicketTiming
from tickets.models import Ticket
from tests.factories import CustomerFactory, OrganizationFactory, tier
from tests.feedback.conftest import at

pytestmark = [pytest.mark.django_db,
              pytest.mark.skipif(connection.vendor != "postgresql", reason="the tallies are PostgreSQL's")]

NOW = at(2026, 7, 10, 12, 0)


def _tallies() -> dict:
    """Every tally row with a non-zero count, as comparable tuples."""
    return {
        "tickets": sorted(r for r in TicketTally.objects.values_list(
            "day", "tier_id", "severity", "channel", "n", "ack_met", "ack_late", "response_met", "response_late",
            "resolution_met", "resolution_late") if any(r[4:])),
        "durations": sorted(DurationTally.objects.exclude(n=0).values_list("month", "tier_id", "kind", "bucket", "n")),
        "answers": sorted(AnswerTally.objects.exclude(n=0).values_list("day", "tier_id", "kind", "value", "n")),
    }


def _recount() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT feedback_rebuild_tallies()")
    return _tallies()


def _build(rng: random.Random, n: int = 400):
    """Six months of tickets over four organisations (Pro and Enterprise), with stored timings,
    ratings and NPS answers, values clustered so that many share a bucket."""
    orgs = [OrganizationFactory(name=f"Org {i}", tier=tier("pro" if i % 2 else "enterprise")) for i in range(4)]
    people = [CustomerFactory(organization=o) for o in orgs]
    start = at(2026, 1, 1)
    tickets = []
    for i in range(n):
        org = i % 4
        created = start + dt.timedelta(seconds=rng.randrange(0, 181 * 86400))
        due = {f: created + dt.timedelta(hours=rng.choice([1, 4, 24, 72])) if rng.random() < 0.9 else None
               for f in ("ack_due_at", "response_due_at", "resolution_due_at")}
        stops = {s: created + dt.timedelta(minutes=rng.choice([30, 59, 60, 61, 240, 1440, 1441, 4000]))
                 if rng.random() < 0.8 else None for s in ("acknowledged_at", "first_response_at", "resolved_at")}
        tickets.append(Ticket(organization=orgs[org], requester=people[org], subject=f"t{i}", description="x",
                              severity=rng.choice(["P1", "P2", "P3", "P4"]), channel=rng.choice(["portal", "email"]),
                              status=rng.choice(["new", "waiting_on_customer", "resolved"]), created_at=created,
                              **due, **stops))
    tickets = Ticket.objects.bulk_create(tickets)
    timings = []
    for t in tickets:
        base = rng.choice([3600.0, 3600.5, 3601.0, 7200.0, 86400.0]) + rng.choice([0.0, 1.0, 10.0])
        timings.append(TicketTiming(
            ticket=t, organization_id=t.organization_id, tier_id=t.organization.tier_id, severity=t.severity,
            first_response_at=t.first_response_at, first_response_seconds=base if t.first_response_at else None,
            first_response_business_seconds=base / 3 if t.first_response_at else None,
            resolved_at=t.resolved_at, resolution_seconds=base * 5 if t.resolved_at else None,
            resolution_business_seconds=base * 2 if t.resolved_at else None,
            first_resolved_at=t.resolved_at, reopen_count=rng.choice([0, 0, 0, 1])))
    TicketTiming.objects.bulk_create(timings)
    TicketRating.objects.bulk_create([
        TicketRating(ticket=t, requester=t.requester, organization_id=t.organization_id,
                     tier_id=t.organization.tier_id, score=rng.randint(1, 5), requested_at=t.resolved_at,
                     expires_at=t.resolved_at + dt.timedelta(days=14), rated_at=t.resolved_at + dt.timedelta(hours=2))
        for t in tickets if t.resolved_at and rng.random() < 0.5])
    NpsSurvey.objects.bulk_create([
        NpsSurvey(user=p, organization_id=p.organization_id, tier_id=p.organization.tier_id, year=2026, quarter=q,
                  score=rng.randint(0, 10), sent_at=at(2026, 3 * q - 2, 2), answered_at=at(2026, 3 * q - 2, 3 + q))
        for p in people for q in (1, 2)])
    return orgs, tickets


def _rewrite(rng: random.Random, orgs, tickets):
    """Updates and deletes of every kind the figures count."""
    some = [t.pk for t in rng.sample(tickets, 60)]
    Ticket.objects.filter(pk__in=some[:20]).update(severity="P1")
    Ticket.objects.filter(pk__in=some[20:40]).update(resolved_at=None, status="in_progress")
    Ticket.objects.filter(pk__in=some[40:50]).update(subject="only the subject changes")
    TicketTiming.objects.filter(pk__in=some[20:40]).update(resolved_at=None, resolution_seconds=None,
                                                           resolution_business_seconds=None, reopen_count=1)
    TicketRating.objects.filter(ticket_id__in=some[:30]).update(score=1)
    NpsSurvey.objects.filter(user__organization=orgs[0]).update(score=10)
    Ticket.objects.filter(pk__in=some[50:]).delete()
    orgs[1].tier = Tier.objects.get(code="enterprise")  # Pro -> Enterprise: its tickets go with it
    orgs[1].save(update_fields=["tier"])


def _counted(monkeypatch, scope, *, report=False):
    with monkeypatch.context() as m:
        m.setattr(metrics, "_tallied", lambda scope: False)
        return metrics.report(scope, now=NOW, fresh=True) if report else metrics.compute(scope, now=NOW, fresh=True)


SCOPES = [
    (dt.date(2026, 1, 1), dt.date(2026, 6, 30)),   # whole months
    (dt.date(2026, 1, 17), dt.date(2026, 5, 9)),   # cut at both ends
    (dt.date(2026, 3, 5), dt.date(2026, 3, 20)),   # inside one month
    (dt.date(2026, 2, 1), dt.date(2026, 2, 28)),   # one whole month
    (dt.date(2025, 1, 1), dt.date(2025, 12, 31)),  # before anything
]


@pytest.mark.parametrize("start, end", SCOPES)
def test_tallied_figures_equal_the_figures_counted_from_the_rows(monkeypatch, start, end):
    rng = random.Random(13)
    orgs, tickets = _build(rng)
    _rewrite(rng, orgs, tickets)
    for tier_id in (None, tier("pro").pk, tier("enterprise").pk):
        scope = metrics.Scope(start, end, tier_id=tier_id)
        assert metrics._tallied(scope)
        assert metrics.compute(scope, now=NOW, fresh=True) == _counted(monkeypatch, scope)
        assert metrics.report(scope, now=NOW, fresh=True) == _counted(monkeypatch, scope, report=True)


def test_the_triggers_agree_with_a_recount_after_inserts_updates_deletes_and_a_tier_change():
    rng = random.Random(7)
    orgs, tickets = _build(rng, n=200)
    assert _tallies() == _recount()
    _rewrite(rng, orgs, tickets)
    incremental = _tallies()
    assert incremental["tickets"] and incremental["durations"] and incremental["answers"]
    assert incremental == _recount()


def test_an_organisation_that_changes_tier_takes_its_tickets_figures_along():
    org = OrganizationFactory(tier=tier("pro"))
    who = CustomerFactory(organization=org)
    Ticket.objects.create(organization=org, requester=who, subject="s", description="d", severity="P2",
                          channel="portal", created_at=at(2026, 5, 2, 10))
    may = metrics.Scope(dt.date(2026, 5, 1), dt.date(2026, 5, 31), tier_id=tier("pro").pk)
    assert metrics.compute(may, now=NOW, fresh=True)["tickets_opened"] == 1
    org.tier = tier("enterprise")
    org.save(update_fields=["tier"])
    assert metrics.compute(may, now=NOW, fresh=True)["tickets_opened"] == 0
    enterprise_may = metrics.Scope(may.start, may.end, tier_id=tier("enterprise").pk)
    assert metrics.compute(enterprise_may, now=NOW, fresh=True)["tickets_opened"] == 1


def test_a_percentile_between_two_buckets_is_interpolated_exactly():
    # Four values far apart: p50 falls between the 2nd and 3rd (different buckets), p90 between
    # the 3rd and 4th (position 2.7: 3,000 + 0.7 x 7,000); percentile_cont gives 2,500 and 7,900.
    org = OrganizationFactory(tier=tier("enterprise"))
    who = CustomerFactory(organization=org)
    for seconds in (1000.0, 2000.0, 3000.0, 10000.0):
        t = Ticket.objects.create(organization=org, requester=who, subject="s", description="d", severity="P3",
                                  channel="portal", created_at=at(2026, 5, 1))
        TicketTiming.objects.create(ticket=t, organization=org, tier=org.tier, severity="P3",
                                    resolved_at=at(2026, 5, 3), resolution_seconds=seconds,
                                    resolution_business_seconds=seconds, first_resolved_at=at(2026, 5, 3))
    figures = metrics.compute(metrics.Scope(dt.date(2026, 5, 1), dt.date(2026, 5, 31)), now=NOW, fresh=True)
    assert figures["resolution"]["calendar"] == {"p50_seconds": 2500.0, "p90_seconds": 7900.0}
    assert figures["resolution"]["count"] == 4


def test_rebuild_tallies_recounts_what_a_trigger_bypassing_write_lost():
    rng = random.Random(3)
    _build(rng, n=60)
    kept = _tallies()
    with connection.cursor() as cursor:  # what a restore without triggers would leave
        cursor.execute("DELETE FROM feedback_tickettally; DELETE FROM feedback_durationtally")
    assert _tallies() != kept
    from django.core.management import call_command
    call_command("rebuild_tallies")
    assert _tallies() == kept

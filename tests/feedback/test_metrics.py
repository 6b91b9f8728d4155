"""Each figure of the metrics reader against data computed by hand, in a month that crosses the
start of daylight saving time in Los Angeles (Sunday 8 March 2026, 02:00 PST -> 03:00 PDT),
where a Pro business day is still 09:00-18:00 local (9 h) on either side of the change."""
import datetime as dt

import pytest
import time_machine

from feedback import metrics
from feedback.models import NpsSurvey, TicketRating, TicketTiming
from feedback.services import csat_record, nps_answer, nps_send_quarter
from tickets import services
from tests.factories import CustomerAdminFactory, CustomerFactory, OrganizationFactory, StaffFactory, tier
from tests.feedback.conftest import at

pytestmark = pytest.mark.django_db

NOW = at(2026, 4, 1, 12, 0)
MARCH = metrics.Scope(dt.date(2026, 3, 1), dt.date(2026, 3, 31))


def _at(when, func, **kwargs):
    with time_machine.travel(when, tick=False):
        return func(**kwargs)


def _ticket(org, who, when, severity, channel="portal"):
    ticket, _ = _at(when, services.ticket_create, organization=org, requester=who, subject=f"{severity} at {when}",
                    description="x", severity=severity, channel=channel)
    return ticket


@pytest.fixture
def march(db):
    """The hand-computed month (times UTC; Pro local times in brackets):

    T1 Pro P2, created Fri 6 Mar 17:00 PST (7 Mar 01:00), replied Mon 9 Mar 10:00 PDT (17:00),
       resolved Tue 10 Mar 12:00 PDT (19:00): response 64 h calendar / 2 h business
       (Fri 17-18 + Mon 9-10); resolution 90 h / 13 h (1 + 9 + 3). Due: response Mon 16:00 PDT
       (met), resolution Wed 11 Mar 17:00 PDT (met). Rated 5.
    T2 Pro P1, created Wed 4 Mar 09:00 PST (17:00), replied 13:00 PST (21:00, exactly at its
       4 h due time: met), resolved Thu 5 Mar 10:00 PST (18:00), an hour past its 1 d target:
       breached. Response 4 h / 4 h; resolution 25 h / 10 h. Rated 2.
    T3 Pro P3, created Wed 11 Mar 08:00 PDT (15:00, before opening), replied 09:30 PDT (16:30):
       1.5 h calendar / 0.5 h business, met. Unresolved past its 1 w target (18 Mar): breached.
    T4 Enterprise P2 (24/7), created Sun 8 Mar 09:00 by API, replied 10:00 (met), resolved
       13:00, reopened 9 Mar 08:00, resolved again 9 Mar 09:00 (met: the 19 h resolved do not
       count): response 1 h / 1 h, resolution (the latest) 24 h / 24 h. Rated 4, then 3 for the
       second resolution.
    T5 Pro P4 by email, created Tue 31 Mar 16:00 (09:00 PDT): response due Fri 3 Apr, still
       open on 1 Apr; no resolution target (best effort).
    T6 Pro P4, created Wed 1 Apr 00:30 (31 Mar 17:30 PDT): April in UTC, outside March.
    Outside the month too: a February ticket answered in February.
    NPS (Q1, answered in March): 10, 9, 7, 3.
    """
    pro = OrganizationFactory(name="Initech", tier=tier("pro"))
    ent = OrganizationFactory(name="Acme", tier=tier("enterprise"))
    people = {"pro_admin": CustomerAdminFactory(organization=pro), "pro_member": CustomerFactory(organization=pro),
              "ent_admin": CustomerAdminFactory(organization=ent), "ent_member": CustomerFactory(organization=ent)}
    eng = StaffFactory(username="eng")
    who = people["pro_member"]

    def reply(ticket, when):
        _at(when, services.message_create, ticket=ticket, author=eng, body="On it.")

    def resolve(ticket, when):
        _at(when, services.ticket_resolve, ticket=ticket, actor=eng)

    def rate(ticket, when, score, round_=1):
        csat_record(rating=TicketRating.objects.get(ticket=ticket, round=round_), score=score, now=when)

    feb = _ticket(pro, who, at(2026, 2, 10, 17, 0), "P3")
    reply(feb, at(2026, 2, 10, 18, 0))

    t1 = _ticket(pro, who, at(2026, 3, 7, 1, 0), "P2")
    reply(t1, at(2026, 3, 9, 17, 0))
    resolve(t1, at(2026, 3, 10, 19, 0))
    rate(t1, at(2026, 3, 10, 20, 0), 5)

    t2 = _ticket(pro, who, at(2026, 3, 4, 17, 0), "P1")
    reply(t2, at(2026, 3, 4, 21, 0))
    resolve(t2, at(2026, 3, 5, 18, 0))
    rate(t2, at(2026, 3, 6, 9, 0), 2)

    t3 = _ticket(pro, who, at(2026, 3, 11, 15, 0), "P3")
    reply(t3, at(2026, 3, 11, 16, 30))

    t4 = _ticket(ent, people["ent_member"], at(2026, 3, 8, 9, 0), "P2", channel="api")
    reply(t4, at(2026, 3, 8, 10, 0))
    resolve(t4, at(2026, 3, 8, 13, 0))
    rate(t4, at(2026, 3, 8, 15, 0), 4)
    _at(at(2026, 3, 9, 8, 0), services.message_create, ticket=t4, author=people["ent_member"], body="Back again.")
    resolve(t4, at(2026, 3, 9, 9, 0))
    rate(t4, at(2026, 3, 9, 10, 0), 3, round_=2)

    _ticket(pro, who, at(2026, 3, 31, 16, 0), "P4", channel="email")
    _ticket(pro, who, at(2026, 4, 1, 0, 30), "P4")

    _at(at(2026, 1, 2, 9, 0), nps_send_quarter)
    for (name, score), day in zip([("pro_admin", 10), ("pro_member", 9), ("ent_admin", 7), ("ent_member", 3)],
                                  (3, 10, 17, 31)):
        survey = NpsSurvey.objects.get(user=people[name])
        _at(at(2026, 3, day, 12, 0), nps_answer, survey=survey, score=score)
    return {"pro": pro, "ent": ent, "tickets": [t1, t2, t3, t4]}


def test_stored_durations_count_business_hours_on_each_side_of_the_dst_change(march):
    t1, t2, t3, t4 = march["tickets"]
    rows = {t.ticket_id: t for t in TicketTiming.objects.all()}
    assert (rows[t1.pk].first_response_seconds, rows[t1.pk].first_response_business_seconds) == (64 * 3600, 2 * 3600)
    assert (rows[t1.pk].resolution_seconds, rows[t1.pk].resolution_business_seconds) == (90 * 3600, 13 * 3600)
    assert (rows[t2.pk].resolution_seconds, rows[t2.pk].resolution_business_seconds) == (25 * 3600, 10 * 3600)
    assert (rows[t3.pk].first_response_seconds, rows[t3.pk].first_response_business_seconds) == (5400, 1800)
    assert rows[t3.pk].resolved_at is None
    assert (rows[t4.pk].resolution_seconds, rows[t4.pk].reopen_count) == (24 * 3600, 1)
    assert rows[t4.pk].first_resolved_at == at(2026, 3, 8, 13, 0)


def test_first_response_percentiles_of_the_month(march):
    fr = metrics.compute(MARCH, now=NOW)["first_response"]
    # calendar [1 h, 1.5 h, 4 h, 64 h]; business [0.5 h, 1 h, 2 h, 4 h]
    assert fr["count"] == 4
    assert fr["calendar"] == {"p50_seconds": (5400 + 14400) / 2, "p90_seconds": 14400 + 0.7 * (230400 - 14400)}
    assert fr["business"] == {"p50_seconds": (3600 + 7200) / 2, "p90_seconds": 7200 + 0.7 * (14400 - 7200)}


def test_resolution_percentiles_of_the_month_use_the_latest_resolution(march):
    res = metrics.compute(MARCH, now=NOW)["resolution"]
    # calendar [24 h, 25 h, 90 h]; business [10 h, 13 h, 24 h]
    assert res["count"] == 3
    assert res["calendar"] == {"p50_seconds": 90000.0, "p90_seconds": 90000 + 0.8 * (324000 - 90000)}
    assert res["business"] == {"p50_seconds": 46800.0, "p90_seconds": 46800 + 0.8 * (86400 - 46800)}


def test_sla_attainment_per_tier_severity_and_clock(march):
    rows = {(r["tier"], r["severity"], r["clock"]): (r["met"], r["breached"], r["open"], r["percent_met"])
            for r in metrics.compute(MARCH, now=NOW)["sla_attainment"]}
    assert rows == {
        ("pro", "P1", "response"): (1, 0, 0, 100.0), ("pro", "P1", "resolution"): (0, 1, 0, 0.0),
        ("pro", "P2", "response"): (1, 0, 0, 100.0), ("pro", "P2", "resolution"): (1, 0, 0, 100.0),
        ("pro", "P3", "response"): (1, 0, 0, 100.0), ("pro", "P3", "resolution"): (0, 1, 0, 0.0),
        ("pro", "P4", "response"): (0, 0, 1, None),
        ("enterprise", "P2", "response"): (1, 0, 0, 100.0), ("enterprise", "P2", "resolution"): (1, 0, 0, 100.0),
    }


def test_csat_nps_reopen_rate_and_volume_of_the_month(march):
    fig = metrics.compute(MARCH, now=NOW)
    assert fig["csat"] == {"responses": 4, "satisfied": 2, "percent_satisfied": 50.0}
    assert fig["nps"] == {"responses": 4, "promoters": 2, "passives": 1, "detractors": 1, "score": 25.0}
    assert fig["reopen_rate"] == {"resolved": 3, "reopened": 1, "percent": 33.3}
    assert fig["tickets_opened"] == 5
    assert fig["volume"]["by_severity"] == {"P1": 1, "P2": 2, "P3": 1, "P4": 1}
    assert fig["volume"]["by_channel"] == {"portal": 3, "api": 1, "email": 1, "slack": 0, "phone": 0}


def test_figures_narrow_to_a_tier_or_an_organisation(march):
    enterprise = metrics.compute(metrics.Scope(MARCH.start, MARCH.end, tier_id=tier("enterprise").pk), now=NOW)
    assert enterprise["first_response"]["calendar"] == {"p50_seconds": 3600.0, "p90_seconds": 3600.0}
    assert enterprise["tickets_opened"] == 1 and enterprise["csat"]["responses"] == 2
    assert enterprise["nps"]["score"] == -50.0  # a passive and a detractor
    pro = metrics.compute(metrics.Scope(MARCH.start, MARCH.end, organization_id=march["pro"].pk), now=NOW)
    assert pro["tickets_opened"] == 4 and pro["nps"]["score"] == 100.0
    assert pro["reopen_rate"] == {"resolved": 2, "reopened": 0, "percent": 0.0}


def test_the_report_gives_each_month_and_a_period_total_consistent_with_compute(march):
    scope = metrics.Scope(dt.date(2026, 2, 1), dt.date(2026, 3, 31))
    total, months = metrics.report(scope, now=NOW)
    assert [m for m, _ in months] == [dt.date(2026, 2, 1), dt.date(2026, 3, 1)]
    assert months[1][1] == metrics.compute(MARCH, now=NOW)
    assert months[0][1]["tickets_opened"] == 1 and months[0][1]["first_response"]["count"] == 1
    assert total == metrics.compute(scope, now=NOW)
    assert total["first_response"]["count"] == 5


def test_an_empty_period_has_no_figures_rather_than_zeros(db):
    fig = metrics.compute(MARCH, now=NOW)
    assert fig["first_response"]["calendar"]["p50_seconds"] is None
    assert fig["csat"]["percent_satisfied"] is None and fig["nps"]["score"] is None
    assert fig["reopen_rate"]["percent"] is None and fig["sla_attainment"] == []


def test_the_reader_asks_the_database_a_fixed_number_of_queries_whatever_the_months(march, django_assert_num_queries):
    from django.db import connection

    # PostgreSQL (the tallies, feedback.tallies): ticket tallies, running clocks, answer tallies,
    # the percentiles' buckets and their values, for any number of months (the whole period's
    # percentiles come with the months'). SQLite counts rows: four counts (one scan of the tickets
    # for volume and SLA) and one query per value column; several months add the whole period's
    # percentiles, as they do not add up.
    pg = connection.vendor == "postgresql"
    for months, expected in ((1, 5 if pg else 8), (12, 5 if pg else 12), (24, 5 if pg else 12)):
        start = (dt.date(2026, 4, 1) - dt.timedelta(days=28 * months)).replace(day=1)
        with django_assert_num_queries(expected):
            metrics.report(metrics.Scope(start, dt.date(2026, 3, 31)), now=NOW)


def test_computed_figures_are_kept_for_the_cache_window_and_then_read_again(march, settings,
                                                                            django_assert_num_queries):
    settings.FEEDBACK_METRICS_CACHE_SECONDS = 300
    first = metrics.compute(MARCH, now=NOW)
    with django_assert_num_queries(0):
        assert metrics.compute(MARCH, now=NOW + dt.timedelta(seconds=10)) == first
    TicketRating.objects.filter(score=5).update(score=1)
    assert metrics.compute(MARCH, now=NOW + dt.timedelta(seconds=10))["csat"]["satisfied"] == 2
    assert metrics.compute(MARCH, now=NOW + dt.timedelta(seconds=300))["csat"]["satisfied"] == 1
    assert metrics.compute(MARCH, now=NOW, fresh=True)["csat"]["satisfied"] == 1

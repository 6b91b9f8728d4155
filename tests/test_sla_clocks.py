"""SLA clocks on tickets: due times from the tier (or custom SLA), and every rule of DESIGN.md."""
import datetime as dt

import pytest
import time_machine

from accounts.models import CustomSlaTarget, Severity
from tickets import services
from tickets.models import EventKind, TicketEvent
from tickets.sla import clocks
from tests.factories import CustomerFactory, StaffFactory

pytestmark = pytest.mark.django_db

UTC = dt.timezone.utc
LA = dt.timezone(dt.timedelta(hours=-8))  # Pacific Standard Time, for readable winter dates


def at(*args, tz=UTC):
    return dt.datetime(*args, tzinfo=tz)


def open_ticket(org, severity="P1", when=None, **extra):
    requester = CustomerFactory(organization=org)
    with time_machine.travel(when or at(2026, 12, 1, 10, 0), tick=False):
        ticket, _ = services.ticket_create(organization=org, requester=requester, subject="s", description="d",
                                           severity=severity, channel="portal", **extra)
    return ticket


def test_enterprise_p1_gets_30_minute_acknowledgement_1_hour_response_4_hour_resolution(enterprise_org):
    ticket = open_ticket(enterprise_org, "P1", at(2026, 12, 5, 23, 10))  # a Saturday night: 24/7
    assert ticket.ack_due_at == at(2026, 12, 5, 23, 40)
    assert ticket.response_due_at == at(2026, 12, 6, 0, 10)
    assert ticket.resolution_due_at == at(2026, 12, 6, 3, 10)


def test_at_risk_warning_time_is_75_percent_of_the_target(enterprise_org):
    ticket = open_ticket(enterprise_org, "P1", at(2026, 12, 1, 10, 0))
    assert ticket.response_warn_at == at(2026, 12, 1, 10, 45)
    assert ticket.resolution_warn_at == at(2026, 12, 1, 13, 0)


def test_pro_p1_created_friday_afternoon_is_due_monday_noon_pacific(pro_org):
    # Fri 4 Dec 2026 17:00 PST: 1 business hour left that day, 3 more from Monday 09:00.
    ticket = open_ticket(pro_org, "P1", at(2026, 12, 4, 17, 0, tz=LA))
    assert ticket.response_due_at == at(2026, 12, 7, 12, 0, tz=LA)
    assert ticket.ack_due_at is None  # only Enterprise P1 has an acknowledgement target


def test_pro_p1_resolution_one_business_day_is_same_local_time_next_business_day(pro_org):
    ticket = open_ticket(pro_org, "P1", at(2026, 12, 1, 10, 30, tz=LA))  # Tuesday
    assert ticket.resolution_due_at == at(2026, 12, 2, 10, 30, tz=LA)


def test_pro_ticket_arriving_at_night_starts_its_clock_at_the_next_opening(pro_org):
    ticket = open_ticket(pro_org, "P2", at(2026, 12, 1, 22, 0, tz=LA))  # Tuesday 22:00
    assert ticket.response_due_at == at(2026, 12, 2, 17, 0, tz=LA)  # Wed 09:00 + 8 h


def test_pro_p4_resolution_is_best_effort_without_a_due_time(pro_org):
    ticket = open_ticket(pro_org, "P4")
    assert ticket.resolution_due_at is None and ticket.response_due_at is not None


def test_free_tier_has_no_clocks(free_org):
    # Free customers cannot open tickets; staff-logged ones have no clocks either.
    from tests.factories import TicketFactory

    ticket = TicketFactory(requester=CustomerFactory(organization=free_org), severity="P1")
    services._sla_refresh(ticket)
    assert (ticket.ack_due_at, ticket.response_due_at, ticket.resolution_due_at) == (None, None, None)
    assert ticket.sla_next_check_at is None


def test_negotiated_custom_target_replaces_the_tiers(enterprise_org):
    CustomSlaTarget.objects.create(organization=enterprise_org, severity=Severity.objects.get(code="P2"),
                                   kind="response", amount=30, unit="m")
    ticket = open_ticket(enterprise_org, "P2", at(2026, 12, 1, 10, 0))
    assert ticket.response_due_at == at(2026, 12, 1, 10, 30)
    assert ticket.resolution_due_at == at(2026, 12, 2, 10, 0)  # the tier's 24 h still applies


def test_first_public_staff_reply_stops_response_and_acknowledgement(enterprise_org):
    ticket = open_ticket(enterprise_org, "P1", at(2026, 12, 1, 10, 0))
    engineer = StaffFactory()
    with time_machine.travel(at(2026, 12, 1, 10, 20), tick=False):
        services.message_create(ticket=ticket, author=engineer, body="note", is_internal=True)
        ticket.refresh_from_db()
        assert ticket.first_response_at is None  # an internal note is no response
        services.message_create(ticket=ticket, author=engineer, body="On it")
    ticket.refresh_from_db()
    assert ticket.first_response_at == ticket.acknowledged_at == at(2026, 12, 1, 10, 20)
    assert clocks.state(ticket, "response", at(2026, 12, 1, 12, 0)) == "met"


def test_acknowledging_stops_only_the_acknowledgement_clock(enterprise_org):
    ticket = open_ticket(enterprise_org, "P1", at(2026, 12, 1, 10, 0))
    with time_machine.travel(at(2026, 12, 1, 10, 40), tick=False):
        services.ticket_acknowledge(ticket=ticket, actor=StaffFactory())
    ticket.refresh_from_db()
    assert ticket.acknowledged_at == at(2026, 12, 1, 10, 40) and ticket.first_response_at is None
    assert clocks.state(ticket, "ack", at(2026, 12, 1, 11, 0)) == "breached"  # 10 min late
    assert clocks.state(ticket, "response", at(2026, 12, 1, 10, 50)) == "at_risk"


def test_waiting_on_customer_pauses_resolution_but_not_response(enterprise_org):
    ticket = open_ticket(enterprise_org, "P2", at(2026, 12, 1, 10, 0))  # resolution due +24 h
    engineer = StaffFactory()
    with time_machine.travel(at(2026, 12, 1, 11, 0), tick=False):
        services.ticket_set_status(ticket=ticket, actor=engineer, status="waiting_on_customer")
    ticket.refresh_from_db()
    assert clocks.state(ticket, "resolution", at(2026, 12, 3)) == "paused"
    assert ticket.response_due_at == at(2026, 12, 1, 12, 0)  # the response clock never pauses
    with time_machine.travel(at(2026, 12, 1, 16, 0), tick=False):  # customer answers 5 h later
        services.message_create(ticket=ticket, author=ticket.requester, body="here you go")
    ticket.refresh_from_db()
    assert ticket.status == "in_progress"
    assert ticket.resolution_due_at == at(2026, 12, 2, 15, 0)  # 24 h + 5 h paused


def test_pro_pause_counts_only_business_hours(pro_org):
    ticket = open_ticket(pro_org, "P2", at(2026, 12, 1, 10, 0, tz=LA))  # Tue; resolution 3 business days
    engineer = StaffFactory()
    with time_machine.travel(at(2026, 12, 1, 17, 0, tz=LA), tick=False):
        services.ticket_set_status(ticket=ticket, actor=engineer, status="waiting_on_customer")
    with time_machine.travel(at(2026, 12, 2, 10, 0, tz=LA), tick=False):  # paused 1 h Tue + 1 h Wed
        services.ticket_set_status(ticket=ticket, actor=engineer, status="in_progress")
    ticket.refresh_from_db()
    assert ticket.resolution_due_at == at(2026, 12, 4, 12, 0, tz=LA)  # Fri 10:00 + 2 business hours


def test_reopen_resumes_resolution_without_counting_the_time_resolved(enterprise_org):
    ticket = open_ticket(enterprise_org, "P3", at(2026, 12, 1, 10, 0))  # resolution 72 h
    engineer = StaffFactory()
    with time_machine.travel(at(2026, 12, 1, 12, 0), tick=False):
        services.ticket_resolve(ticket=ticket, actor=engineer)
    ticket.refresh_from_db()
    assert clocks.state(ticket, "resolution", at(2026, 12, 1, 13, 0)) == "met"
    with time_machine.travel(at(2026, 12, 2, 12, 0), tick=False):  # reopened after 24 h resolved
        services.message_create(ticket=ticket, author=ticket.requester, body="broken again")
    ticket.refresh_from_db()
    assert ticket.status == "in_progress" and ticket.resolved_at is None
    assert ticket.resolution_due_at == at(2026, 12, 5, 10, 0)  # 72 h + 24 h resolved
    reopen = TicketEvent.objects.filter(ticket=ticket, kind=EventKind.STATUS_CHANGED).last()
    assert reopen.data["reopened"] is True


def test_pause_after_a_breach_does_not_unbreach(enterprise_org):
    ticket = open_ticket(enterprise_org, "P1", at(2026, 12, 1, 10, 0))  # resolution due 14:00
    engineer = StaffFactory()
    with time_machine.travel(at(2026, 12, 1, 15, 0), tick=False):
        services.ticket_set_status(ticket=ticket, actor=engineer, status="waiting_on_customer")
    with time_machine.travel(at(2026, 12, 1, 18, 0), tick=False):
        services.ticket_set_status(ticket=ticket, actor=engineer, status="in_progress")
    ticket.refresh_from_db()
    assert ticket.resolution_due_at == at(2026, 12, 1, 14, 0)
    assert clocks.state(ticket, "resolution", at(2026, 12, 1, 18, 0)) == "breached"


def test_severity_change_rebases_running_clocks_from_when_the_ticket_was_opened(enterprise_org):
    ticket = open_ticket(enterprise_org, "P3", at(2026, 12, 1, 10, 0))
    engineer = StaffFactory()
    with time_machine.travel(at(2026, 12, 1, 10, 30), tick=False):
        services.ticket_change_severity(ticket=ticket, actor=engineer, severity="P1")
    ticket.refresh_from_db()
    assert ticket.response_due_at == at(2026, 12, 1, 11, 0)
    assert ticket.resolution_due_at == at(2026, 12, 1, 14, 0)
    assert ticket.ack_due_at == at(2026, 12, 1, 10, 30)


def test_severity_change_leaves_a_stopped_clock_as_it_was_judged(enterprise_org):
    ticket = open_ticket(enterprise_org, "P3", at(2026, 12, 1, 10, 0))
    engineer = StaffFactory()
    with time_machine.travel(at(2026, 12, 1, 11, 0), tick=False):
        services.message_create(ticket=ticket, author=engineer, body="Looking")
    with time_machine.travel(at(2026, 12, 1, 12, 0), tick=False):
        services.ticket_change_severity(ticket=ticket, actor=engineer, severity="P1")
    ticket.refresh_from_db()
    assert ticket.response_due_at == at(2026, 12, 1, 14, 0)  # the P3 target it was met against
    assert ticket.resolution_due_at == at(2026, 12, 1, 14, 0)  # the running one moved to P1's 4 h


@pytest.mark.parametrize("now, expected", [
    (at(2026, 12, 1, 10, 30), "on_track"),
    (at(2026, 12, 1, 10, 45), "at_risk"),
    (at(2026, 12, 1, 11, 0), "breached"),
])
def test_response_state_moves_from_on_track_to_at_risk_to_breached(enterprise_org, now, expected):
    ticket = open_ticket(enterprise_org, "P1", at(2026, 12, 1, 10, 0))
    assert clocks.state(ticket, "response", now) == expected


def test_next_check_is_the_earliest_pending_warning_breach_or_ladder_step(enterprise_org):
    ticket = open_ticket(enterprise_org, "P1", at(2026, 12, 1, 10, 0))
    assert ticket.sla_next_check_at == at(2026, 12, 1, 10, 22, 30)  # 75% of the 30-minute ack
    assert ticket.next_escalation_at == at(2026, 12, 1, 11, 0)  # Enterprise L2 after 1 h


def test_a_holiday_added_in_the_admin_applies_to_the_next_ticket(pro_org):
    from accounts.models import Holiday, Tier

    # Wed 2 Dec 2026 is declared a holiday: a Tuesday P1 at 17:00 runs 1 h, then Thursday.
    open_ticket(pro_org, "P1", at(2026, 12, 1, 10, 0, tz=LA))  # loads (and caches) the policy
    Holiday.objects.create(tier=Tier.objects.get(code="pro"), date=dt.date(2026, 12, 2), name="Closure")
    ticket = open_ticket(pro_org, "P1", at(2026, 12, 1, 17, 0, tz=LA))
    assert ticket.response_due_at == at(2026, 12, 3, 12, 0, tz=LA)


@pytest.mark.django_db
def test_a_newly_negotiated_custom_target_applies_at_once_despite_the_policy_cache(enterprise_org):
    from accounts.models import CustomSlaTarget, Severity
    from tickets.sla.policy import policy_for

    policy_for(enterprise_org)  # cached now
    CustomSlaTarget.objects.create(organization=enterprise_org, severity=Severity.objects.get(code="P2"),
                                   kind="response", amount=7, unit="m")
    assert policy_for(enterprise_org).target("P2", "response").amount == 7

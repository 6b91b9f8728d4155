"""The check-in cadence on a rolling horizon, its reminders through the outbox, the iCalendar
feeds (parsed back with `icalendar`), and the included services' due-date reminders."""
from datetime import date, datetime, timedelta, timezone

import pytest
from icalendar import Calendar

from notifications.models import Notification
from notifications.services import render
from onboarding import services
from onboarding.models import CalendarFeed, CheckIn, IncludedService
from onboarding.tasks import checkins_tick, included_services_tick

pytestmark = pytest.mark.django_db
UTC = timezone.utc


def _rendered(notification) -> tuple[str, str, str]:
    # Batched rows are rendered by the sender, from the context frozen at enqueue time.
    return render(channel=notification.channel, template=notification.template, context=notification.context)


def _slots(organization):
    return list(CheckIn.objects.filter(organization=organization).order_by("starts_at").values_list("slot", flat=True))


def test_meetings_are_generated_from_go_live_up_to_the_horizon_only(plan):
    # Go-live Tue 31 Mar; horizon 120 days from Mon 2 Mar reaches 30 Jun.
    assert services.checkins_generate() == 9
    assert _slots(plan.organization) == ["w1", "w2", "w3", "w4", "b6", "b8", "b10", "b12", "q1"]
    w1 = CheckIn.objects.get(organization=plan.organization, slot="w1")
    # 10:00 in the account manager's zone (Los Angeles, summer time) on Tue 7 Apr.
    assert w1.starts_at == datetime(2026, 4, 7, 17, 0, tzinfo=UTC)
    assert (w1.kind, w1.duration_minutes, w1.owner.username, w1.status) == ("checkin", 30, "alex", "scheduled")
    q1 = CheckIn.objects.get(organization=plan.organization, slot="q1")
    assert (q1.kind, q1.duration_minutes, q1.starts_at.date()) == ("qbr", 60, date(2026, 6, 30))
    assert services.checkins_generate() == 0  # idempotent


def test_the_horizon_rolls_forward_and_rows_stay_bounded(plan, _pinned_clock):
    day = datetime(2026, 3, 2, 9, tzinfo=UTC)
    for _ in range(0, 3 * 365, 7):  # three years of weekly beats
        _pinned_clock.move_to(day)
        checkins_tick()
        day += timedelta(days=7)
    rows = CheckIn.objects.filter(organization=plan.organization)
    # 8 early check-ins + monthly/quarterly to ~3 years + 120 days: no more than one a month after month 3.
    assert 8 + 12 * 3 - 3 <= rows.count() <= 8 + 12 * 3 + 5
    assert rows.filter(starts_at__gt=day + timedelta(days=121)).count() == 0
    assert rows.filter(slot="q12").exists()


def test_reminders_go_to_the_account_manager_and_customer_admins_once(plan, acme_admin, acme_member, _pinned_clock):
    services.checkins_generate()
    _pinned_clock.move_to("2026-04-06 18:00Z")  # 23 h before w1
    assert services.checkin_reminders_send() == 1
    sent = Notification.objects.filter(template="checkin_reminder")
    assert {(n.recipient, n.context["audience"]) for n in sent} == {
        ("alex@aragora.ai", "staff"), ("ada@acme.example", "customer")}
    subject, text, html = _rendered(sent.get(recipient="ada@acme.example"))
    assert subject == "Check-in with Aragora: Tue 7 Apr 2026 17:00 UTC"
    assert text.startswith("Hello Ada,") and "Alex Manager, your account manager" in text
    assert "https://support.example.com/onboarding/" in text and "/admin/" not in text + html
    subject, text, html = _rendered(sent.get(recipient="alex@aragora.ai"))
    assert subject == "Check-in with Acme: Tue 7 Apr 2026 17:00 UTC"
    assert "/admin/onboarding/checkin/" in html and "/admin/onboarding/checkin/" in text
    assert services.checkin_reminders_send() == 0
    assert Notification.objects.filter(template="checkin_reminder").count() == 2


def test_qbr_reminder_carries_the_guide_agenda(plan, acme_admin, _pinned_clock):
    services.checkins_generate()
    _pinned_clock.move_to("2026-06-29 18:00Z")
    checkins_tick()
    subject, text, html = _rendered(Notification.objects.get(template="checkin_reminder", recipient="ada@acme.example"))
    assert subject.startswith("Quarterly business review with Aragora")
    assert "Usage review (15 min)" in text and "<li>Action items (10 min)</li>" in html


def _feed(client, feed):
    response = client.get(f"/calendar/{feed.secret}.ics")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    return Calendar.from_ical(response.content)


def test_organisation_feed_holds_plan_meetings_and_due_services(client, plan):
    services.checkins_generate()
    cal = _feed(client, CalendarFeed.objects.get(organization=plan.organization))
    events = {str(e["uid"]): e for e in cal.walk("VEVENT")}
    assert len(events) == 8 + 9 + 2
    welcome = next(e for e in events.values() if str(e["summary"]) == "Onboarding: Welcome call, introductions")
    assert welcome.decoded("dtstart") == date(2026, 3, 4) and welcome.decoded("dtend") == date(2026, 3, 5)
    w1 = events[f"checkin-{CheckIn.objects.get(slot='w1').pk}@support.aragora.ai"]
    assert str(w1["summary"]) == "Aragora Check-in"
    assert w1.decoded("dtstart") == datetime(2026, 4, 7, 17, 0, tzinfo=UTC)
    assert w1.decoded("dtend") - w1.decoded("dtstart") == timedelta(minutes=30)
    qbr = next(e for e in events.values() if str(e["summary"]) == "Aragora QBR")
    assert "Roadmap preview (10 min)" in str(qbr["description"])
    assert any(str(e["summary"]) == "Architecture review due" for e in events.values())


def test_account_manager_feed_lists_meetings_of_every_managed_organisation(client, plan, am, initech):
    from tests.factories import OrganizationFactory, tier

    from .conftest import make_plan

    other = OrganizationFactory(name="Hooli", tier=tier("enterprise"), account_manager=am)
    make_plan(other, date(2026, 3, 9), am)
    services.checkins_generate()
    cal = _feed(client, services.calendar_feed_for_account_manager(am))
    summaries = [str(e["summary"]) for e in cal.walk("VEVENT")]
    assert summaries.count("Check-in: Acme") == 8 and summaries.count("Check-in: Hooli") == 8
    assert "QBR: Acme" in summaries and not any(s.startswith("Onboarding") for s in summaries)


def test_a_moved_meeting_keeps_its_uid_and_raises_its_sequence(client, plan, am):
    services.checkins_generate()
    w1 = CheckIn.objects.get(slot="w1")
    services.checkin_update(checkin=w1, actor=am, starts_at=w1.starts_at + timedelta(days=1))
    cal = _feed(client, CalendarFeed.objects.get(organization=plan.organization))
    event = next(e for e in cal.walk("VEVENT") if str(e["uid"]) == f"checkin-{w1.pk}@support.aragora.ai")
    assert event.decoded("sequence") == 1 and event.decoded("dtstart").date() == date(2026, 4, 8)


@pytest.mark.parametrize("path", ["/calendar/wrong.ics", "/calendar/x{secret}.ics", "/calendar/{secret}x.ics",
                                  "/calendar/%20.ics", "/calendar/{secret}"])
def test_a_wrong_feed_secret_reveals_nothing(client, plan, path):
    feed = CalendarFeed.objects.get(organization=plan.organization)
    response = client.get(path.format(secret=feed.secret))
    assert response.status_code == 404
    assert b"Acme" not in response.content and b"VCALENDAR" not in response.content


def test_rotating_a_feed_retires_the_old_link(client, plan, am):
    feed = CalendarFeed.objects.get(organization=plan.organization)
    old = feed.secret
    services.calendar_feed_rotate(feed=feed, actor=am)
    assert client.get(f"/calendar/{old}.ics").status_code == 404
    assert client.get(f"/calendar/{CalendarFeed.objects.get(pk=feed.pk).secret}.ics").status_code == 200


def test_account_manager_is_reminded_a_month_before_a_review_falls_due_once(plan, am, _pinned_clock):
    review = IncludedService.objects.get(organization=plan.organization, kind="architecture_review")
    assert review.next_due_on == date(2027, 3, 31)
    assert included_services_tick() == 0
    _pinned_clock.move_to("2027-03-01 09:00Z")
    # The review is due in 30 days; the training (due 30 Sep 2026, never recorded) is overdue.
    assert included_services_tick() == 2
    training = Notification.objects.get(template="included_service_due", context__service="Training session")
    assert training.context["overdue"] is True and "is overdue" in _rendered(training)[0]
    mail = Notification.objects.get(template="included_service_due", context__service="Architecture review")
    assert mail.recipient == "alex@aragora.ai" and mail.context["audience"] == "staff"
    subject, text, _html = _rendered(mail)
    assert subject == "Architecture review for Acme due 2027-03-31"
    assert "/admin/onboarding/includedservice/" in text
    assert included_services_tick() == 0
    # Held: the next one is due a year later, and reminded of again in time.
    services.included_service_record(service=review, actor=am, done_on=date(2027, 3, 1))
    review.refresh_from_db()
    assert (review.last_done_on, review.next_due_on) == (date(2027, 3, 1), date(2028, 3, 1))
    _pinned_clock.move_to("2028-02-01 09:00Z")
    assert included_services_tick() == 1


def test_recording_an_included_service_refuses_the_future(plan, am):
    review = IncludedService.objects.get(organization=plan.organization, kind="architecture_review")
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="in the future"):
        services.included_service_record(service=review, actor=am, done_on=date(2026, 3, 3))

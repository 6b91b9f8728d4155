"""iCalendar feeds (RFC 5545, `icalendar`): an organisation's onboarding plan, meetings and
included-service due dates, or an account manager's meetings across their organisations."""
from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from icalendar import Calendar, Event

from common.links import absolute_url

from .models import CalendarFeed, CheckIn, CheckInKind, CheckInStatus, IncludedService, PlanActivity
from .services.checkins import QBR_AGENDA

PRODID = "-//Aragora//Support portal onboarding//EN"
DOMAIN = "support.aragora.ai"
# Past meetings stay visible for a quarter; future ones reach as far as they are generated.
PAST_DAYS = 92


def _calendar(name: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    # Clients poll a subscribed feed; hourly is the cadence at which meetings are generated.
    cal.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT1H")
    return cal


def _checkin_event(checkin: CheckIn, *, with_org: bool, stamp) -> Event:
    event = Event()
    event.add("uid", f"checkin-{checkin.pk}@{DOMAIN}")
    event.add("dtstamp", stamp)
    event.add("sequence", checkin.sequence)
    label = "QBR" if checkin.kind == CheckInKind.QBR else "Check-in"
    event.add("summary", f"{label}: {checkin.organization.name}" if with_org else f"Aragora {label}")
    event.add("dtstart", checkin.starts_at)
    event.add("dtend", checkin.starts_at + timedelta(minutes=checkin.duration_minutes))
    lines = [checkin.get_kind_display() + (f" with {checkin.owner.get_full_name()}" if checkin.owner else "")]
    if checkin.kind == CheckInKind.QBR:
        lines += ["Agenda:"] + [f"- {item}" for item in QBR_AGENDA]
    event.add("description", "\n".join(lines))
    event.add("status", "CANCELLED" if checkin.status == CheckInStatus.CANCELLED else "CONFIRMED")
    return event


def _activity_event(activity: PlanActivity, stamp) -> Event:
    event = Event()
    event.add("uid", f"activity-{activity.pk}@{DOMAIN}")
    event.add("dtstamp", stamp)
    event.add("summary", f"Onboarding: {activity.name}")
    # All-day, end exclusive (RFC 5545 3.6.1).
    event.add("dtstart", activity.start_date)
    event.add("dtend", activity.end_date + timedelta(days=1))
    event.add("description", f"{activity.phase}. Participants: {activity.participants}. Status: "
                             f"{activity.get_status_display()}.")
    event.add("transp", "TRANSPARENT")
    return event


def _included_event(service: IncludedService, stamp) -> Event:
    event = Event()
    event.add("uid", f"included-{service.pk}-{service.next_due_on:%Y%m%d}@{DOMAIN}")
    event.add("dtstamp", stamp)
    event.add("summary", f"{service.get_kind_display()} due")
    event.add("dtstart", service.next_due_on)
    event.add("dtend", service.next_due_on + timedelta(days=1))
    event.add("transp", "TRANSPARENT")
    return event


def render_feed(feed: CalendarFeed) -> bytes:
    now = timezone.now()
    since = now - timedelta(days=PAST_DAYS)
    checkins = CheckIn.objects.filter(starts_at__gte=since).select_related("organization", "owner").order_by("starts_at")
    if feed.organization_id:
        organization = feed.organization
        cal = _calendar(f"Aragora onboarding · {organization.name}")
        for checkin in checkins.filter(organization=organization):
            cal.add_component(_checkin_event(checkin, with_org=False, stamp=now))
        for activity in PlanActivity.objects.filter(plan__organization=organization).order_by("order"):
            cal.add_component(_activity_event(activity, now))
        for service in IncludedService.objects.filter(organization=organization):
            cal.add_component(_included_event(service, now))
    else:
        manager = feed.account_manager
        cal = _calendar(f"Aragora check-ins · {manager.get_full_name() or manager.username}")
        for checkin in checkins.filter(organization__account_manager=manager):
            cal.add_component(_checkin_event(checkin, with_org=True, stamp=now))
    return cal.to_ical()


def feed_url(feed: CalendarFeed) -> str:
    return absolute_url("onboarding:calendar_feed", feed.secret)

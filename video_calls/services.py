"""Video calls (guide: Enterprise only, scheduled via the account manager): the customer asks,
the account manager schedules, and both sides get an iCalendar invitation by email."""
from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

from common.links import absolute_url
from notifications.services import notification_enqueue

from .models import CallStatus, Purpose, VideoCall


def video_calls_allowed(organization) -> bool:
    return "Video" in organization.tier.channels


@transaction.atomic
def video_call_request(*, requester, purpose: str, preferred_times: str, notes: str = "") -> VideoCall:
    organization = requester.organization
    if organization is None:
        raise PermissionDenied("Only customers request video calls.")
    if not video_calls_allowed(organization):
        raise ValidationError(f"Video calls come with Enterprise support; {organization.tier.name} does not "
                              "include them. Ask sales@aragora.ai about upgrading.")
    if purpose not in Purpose.values:
        raise ValidationError({"purpose": "Choose architecture review, onboarding or QBR."})
    if not preferred_times.strip():
        raise ValidationError({"preferred_times": "Tell us when suits you."})
    call = VideoCall.objects.create(organization=organization, requested_by=requester, purpose=purpose,
                                    preferred_times=preferred_times.strip(), notes=notes.strip())
    manager = organization.account_manager
    if manager is not None and manager.email and manager.is_active:  # they schedule it: tell them now
        notification_enqueue(
            key=f"video_call:{call.pk}:requested:email:{manager.email}", channel="email", recipient=manager.email,
            template="video_call_requested",
            context={"audience": "staff", "organization": organization.name, "purpose": call.get_purpose_display(),
                     "requester": requester.get_full_name() or requester.get_username(),
                     "preferred_times": call.preferred_times, "notes": call.notes,
                     "admin_url": absolute_url("admin:video_calls_videocall_change", call.pk)})
    return call


def invitation(call: VideoCall) -> str:
    """The .ics of a scheduled call: one event, both sides as attendees, the link as location."""
    cal = Calendar()
    cal.add("prodid", "-//Aragora Support//Video calls//EN")
    cal.add("version", "2.0")
    cal.add("method", "REQUEST")
    event = Event()
    event.add("uid", f"video-call-{call.pk}@aragora.ai")
    event.add("sequence", call.sequence)
    event.add("dtstamp", timezone.now())
    event.add("dtstart", call.starts_at)
    event.add("dtend", call.starts_at + timedelta(minutes=call.duration_minutes))
    event.add("summary", f"Aragora {call.get_purpose_display()}: {call.organization.name}")
    event.add("location", vText(call.link))
    event.add("url", call.link)
    event.add("description", f"{call.get_purpose_display()} with Aragora. Join: {call.link}")
    organizer = call.scheduled_by
    event["organizer"] = vCalAddress(f"mailto:{organizer.email}")
    for person in {call.requested_by, organizer}:
        event.add("attendee", vCalAddress(f"mailto:{person.email}"))
    cal.add_component(event)
    return cal.to_ical().decode()


def check_schedule(*, starts_at, link: str) -> None:
    errors = {}
    if starts_at is None or starts_at <= timezone.now():
        errors["starts_at"] = "Choose a time in the future."
    if not (link or "").startswith("https://"):
        errors["link"] = "Give the meeting's https:// link."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def video_call_schedule(*, call: VideoCall, staff, starts_at, duration_minutes: int, link: str) -> VideoCall:
    if not staff.is_staff:
        raise PermissionDenied("Only Aragora staff schedule video calls.")
    if call.status == CallStatus.CANCELLED:
        raise ValidationError("This call was cancelled.")
    check_schedule(starts_at=starts_at, link=link)
    call = VideoCall.objects.select_for_update().get(pk=call.pk)
    if call.status == CallStatus.SCHEDULED:
        call.sequence += 1  # a reschedule: calendars update the event they already have
    call.status, call.starts_at, call.duration_minutes, call.link = CallStatus.SCHEDULED, starts_at, duration_minutes, link
    call.scheduled_by = staff
    call.save()
    ics = invitation(call)
    for person, audience in ((call.requested_by, "customer"), (staff, "staff")):
        if person.email:
            notification_enqueue(
                key=f"video_call:{call.pk}:{call.sequence}:email:{person.email}", channel="email",
                recipient=person.email, template="video_call_invitation",
                context={"audience": audience, "purpose": call.get_purpose_display(),
                         "organization": call.organization.name, "starts_at": starts_at.isoformat(),
                         "duration_minutes": duration_minutes, "link": link, "ics": ics},
            )
    return call

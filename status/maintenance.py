"""Planned maintenance: scheduled → in progress → verifying → completed (or cancelled),
announced to customers through the outbox.

Each linked Slack Connect channel (Organization.linked_slack_channel) of the window's
audience gets: the announcement, a "rescheduled" post when the times change after it, a
reminder shortly before the start (beat: ``status.tasks.maintenance_remind``), a post when it
starts and when it is completed, and a "cancelled" post if it is called off. Confirmed status
subscribers of its components get the same by email; every customer sees announced windows on
the portal dashboard and the status page.
"""
from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.roles import require_staff
from notifications.services import notification_enqueue_many

from . import notices
from .models import ACTIVE_MAINTENANCE, MaintenanceStatus, MaintenanceWindow

STAFF_ONLY = "Only support staff can announce maintenance."


def _audience(window: MaintenanceWindow) -> list[str]:
    """The Slack Connect channels to tell: the chosen organisations', or those of every
    organisation that uses one of the window's components (all of them, if it names none)."""
    chosen = list(window.organizations.select_related("tier"))
    if chosen:
        return sorted({o.linked_slack_channel for o in chosen if o.linked_slack_channel})
    return notices.enterprise_channels_using({c.pk for c in window.components.all()})


def _posts(window: MaintenanceWindow, kind: str) -> int:
    context = {
        "kind": kind, "title": window.title, "description": window.description, "audience": "customer",
        "starts_at": window.starts_at.isoformat(), "ends_at": window.ends_at.isoformat(),
        "starts_epoch": int(window.starts_at.timestamp()), "ends_epoch": int(window.ends_at.timestamp()),
        "components": [c.name for c in window.components.all()],
    }
    step = kind if kind in ("cancelled", "started", "completed") else f"r{window.revision}:{kind}"
    key = f"maintenance:{window.pk}:{step}"
    component_ids = {c.pk for c in window.components.all()}
    emails = [] if window.organizations.exists() else notices.email_specs(  # an organisation's own window stays theirs
        key=key, template="status_maintenance", context=context, component_ids=component_ids)
    return notification_enqueue_many(
        [{"key": f"{key}:slack:{channel}", "channel": "slack", "recipient": channel,
          "template": "maintenance", "context": context} for channel in _audience(window)] + emails)


def _locked(window: MaintenanceWindow) -> MaintenanceWindow:
    return MaintenanceWindow.objects.select_for_update().get(pk=window.pk)


@transaction.atomic
def maintenance_announce(*, window: MaintenanceWindow, actor) -> int:
    """Announce the window's current times to its audience; returns how many posts were queued."""
    require_staff(actor, STAFF_ONLY)
    window = _locked(window)
    if window.status != MaintenanceStatus.SCHEDULED:
        raise ValidationError("A cancelled window is not announced.")
    if window.ends_at <= timezone.now():
        raise ValidationError("This window is over; there is nothing to announce.")
    if window.announced_revision == window.revision:
        raise ValidationError("These times are announced already.")
    kind = "rescheduled" if window.announced_revision else "announced"
    window.announced_revision = window.revision
    window.announced_at = timezone.now()  # the notice the uptime rule measures (docs/uptime.md)
    window.save(update_fields=["announced_revision", "announced_at"])
    return _posts(window, kind)


@transaction.atomic
def maintenance_reschedule(*, window: MaintenanceWindow, actor, starts_at, ends_at) -> MaintenanceWindow:
    """New times. If the old ones were announced, the new ones are announced as rescheduled."""
    require_staff(actor, STAFF_ONLY)
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": "The window must end after it starts."})
    window = _locked(window)
    if window.status != MaintenanceStatus.SCHEDULED:
        raise ValidationError("Only a scheduled window can be rescheduled; schedule a new one.")
    check_window(starts_at=starts_at, ends_at=ends_at, components=list(window.components.all()), exclude_pk=window.pk)
    if (window.starts_at, window.ends_at) == (starts_at, ends_at):
        return window
    was_announced = window.announced
    window.starts_at, window.ends_at = starts_at, ends_at
    window.revision += 1
    window.save(update_fields=["starts_at", "ends_at", "revision"])
    if was_announced:
        maintenance_announce(window=window, actor=actor)
        window.refresh_from_db()
    return window


@transaction.atomic
def maintenance_cancel(*, window: MaintenanceWindow, actor) -> int:
    """Call the window off; customers who were told of it are told it is cancelled."""
    require_staff(actor, STAFF_ONLY)
    window = _locked(window)
    if window.status == MaintenanceStatus.CANCELLED:
        raise ValidationError("This window is cancelled already.")
    if window.status not in (MaintenanceStatus.SCHEDULED,):
        raise ValidationError("Maintenance under way is completed, not cancelled.")
    window.status = MaintenanceStatus.CANCELLED
    window.save(update_fields=["status"])
    return _posts(window, "cancelled") if window.announced else 0


# Which status may follow which (Statuspage's maintenance lifecycle).
NEXT = {MaintenanceStatus.SCHEDULED: {MaintenanceStatus.IN_PROGRESS},
        MaintenanceStatus.IN_PROGRESS: {MaintenanceStatus.VERIFYING, MaintenanceStatus.COMPLETED},
        MaintenanceStatus.VERIFYING: {MaintenanceStatus.COMPLETED, MaintenanceStatus.IN_PROGRESS}}


@transaction.atomic
def maintenance_advance(*, window: MaintenanceWindow, actor, status: str) -> MaintenanceWindow:
    """Start, verify or complete a window. Starting and completing are announced (the guide's
    proactive notice: ahead, and at the start). `actor` None: the beat tick starting a window
    on time (maintenance_start_due)."""
    if actor is not None:
        require_staff(actor, STAFF_ONLY)
    window = _locked(window)
    if status not in NEXT.get(window.status, set()):
        raise ValidationError(f"A window that is {window.get_status_display().lower()} cannot become "
                              f"{MaintenanceStatus(status).label.lower() if status in MaintenanceStatus.values else status}.")
    window.status = status
    window.save(update_fields=["status"])
    if status == MaintenanceStatus.IN_PROGRESS:
        _posts(window, "started")
    elif status == MaintenanceStatus.COMPLETED:
        _posts(window, "completed")
    return window


def overlapping(*, starts_at, ends_at, component_ids, exclude_pk=None):
    """Active windows of any of these components that overlap [starts_at, ends_at)."""
    qs = MaintenanceWindow.objects.filter(status__in=ACTIVE_MAINTENANCE, starts_at__lt=ends_at, ends_at__gt=starts_at,
                                          components__in=list(component_ids)).distinct()
    return qs.exclude(pk=exclude_pk) if exclude_pk else qs


def maintenance_start_due(*, now=None) -> int:
    """Announced windows whose start has come are in progress, and their audience is told: staff
    need not be at a keyboard at 02:00. Reads only scheduled windows that have started (a partial
    index on their start), so it costs what is due."""
    now = now or timezone.now()
    started = 0
    due = list(MaintenanceWindow.objects.filter(status=MaintenanceStatus.SCHEDULED, starts_at__lte=now,
                                                ends_at__gt=now, announced_revision__gt=0).values_list("pk", flat=True))
    for pk in due:
        try:
            maintenance_advance(window=MaintenanceWindow(pk=pk), actor=None, status=MaintenanceStatus.IN_PROGRESS)
            started += 1
        except ValidationError:  # another tick, or staff, moved it first
            continue
    return started


def maintenance_remind_due(*, now=None) -> int:
    """Remind the audience of announced windows starting within MAINTENANCE_REMINDER_MINUTES.
    Reads only windows starting soon (a partial index), so it costs what is due."""
    now = now or timezone.now()
    lead = timedelta(minutes=settings.MAINTENANCE_REMINDER_MINUTES)
    queued = 0
    with transaction.atomic():
        due = (MaintenanceWindow.objects.select_for_update(skip_locked=True)
               .filter(status=MaintenanceStatus.SCHEDULED, starts_at__gt=now, starts_at__lte=now + lead,
                       announced_revision=F("revision"), reminded_revision__lt=F("revision")))
        for window in due:
            window.reminded_revision = window.revision
            window.save(update_fields=["reminded_revision"])
            queued += _posts(window, "reminder")
    return queued


def check_window(*, starts_at, ends_at, components, exclude_pk=None) -> None:
    """A window ends after it starts, and no component is under two active windows at once."""
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": "The window must end after it starts."})
    clash = overlapping(starts_at=starts_at, ends_at=ends_at, component_ids=[c.pk for c in components],
                        exclude_pk=exclude_pk).first()
    if clash:
        raise ValidationError({"starts_at": f"It overlaps “{clash.title}” ({clash.starts_at:%Y-%m-%d %H:%M}–"
                                            f"{clash.ends_at:%H:%M} UTC) on the same component."})


@transaction.atomic
def maintenance_schedule(*, actor, title: str, description: str, starts_at, ends_at, components=(),
                         organizations=(), announce: bool = False) -> MaintenanceWindow:
    require_staff(actor, STAFF_ONLY)
    components = list(components)
    if not (title or "").strip():
        raise ValidationError({"title": "Give the window a title customers will understand."})
    check_window(starts_at=starts_at, ends_at=ends_at, components=components)
    window = MaintenanceWindow.objects.create(title=title.strip(), description=description, starts_at=starts_at,
                                              ends_at=ends_at, created_by=actor)
    window.components.set(components)
    window.organizations.set(list(organizations))
    if announce:
        maintenance_announce(window=window, actor=actor)
    return window

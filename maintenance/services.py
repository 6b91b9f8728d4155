"""Announcing planned maintenance to customers, through the outbox.

Each linked Slack Connect channel (Organization.linked_slack_channel) of the window's
audience gets: the announcement, a "rescheduled" post when the times change after it, a
reminder shortly before the start (beat: ``maintenance.tasks.remind``), and a "cancelled" post
if it is called off. Every customer also sees announced windows on the portal dashboard.
"""
from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import Organization
from accounts.roles import require_staff
from notifications.services import notification_enqueue_many
from slack_connect.outbound import linked_channel

from .models import MaintenanceStatus, MaintenanceWindow

STAFF_ONLY = "Only support staff can announce maintenance."


def _audience(window: MaintenanceWindow) -> list[str]:
    """The Slack Connect channels to tell: the chosen organisations', or every linked one."""
    chosen = list(window.organizations.select_related("tier"))
    organizations = chosen or Organization.objects.exclude(slack_channel="").select_related("tier")
    return sorted({channel for channel in map(linked_channel, organizations) if channel})


def _posts(window: MaintenanceWindow, kind: str) -> int:
    context = {
        "kind": kind, "title": window.title, "description": window.description, "audience": "customer",
        "starts_at": window.starts_at.isoformat(), "ends_at": window.ends_at.isoformat(),
        "starts_epoch": int(window.starts_at.timestamp()), "ends_epoch": int(window.ends_at.timestamp()),
        "components": [c.name for c in window.components.all()],
    }
    step = "cancelled" if kind == "cancelled" else f"r{window.revision}:{kind}"
    return notification_enqueue_many(
        {"key": f"maintenance:{window.pk}:{step}:slack:{channel}", "channel": "slack", "recipient": channel,
         "template": "maintenance", "context": context}
        for channel in _audience(window))


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
    window.save(update_fields=["announced_revision"])
    return _posts(window, kind)


@transaction.atomic
def maintenance_reschedule(*, window: MaintenanceWindow, actor, starts_at, ends_at) -> MaintenanceWindow:
    """New times. If the old ones were announced, the new ones are announced as rescheduled."""
    require_staff(actor, STAFF_ONLY)
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": "The window must end after it starts."})
    window = _locked(window)
    if window.status != MaintenanceStatus.SCHEDULED:
        raise ValidationError("A cancelled window cannot be rescheduled; schedule a new one.")
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
    window.status = MaintenanceStatus.CANCELLED
    window.save(update_fields=["status"])
    return _posts(window, "cancelled") if window.announced else 0


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

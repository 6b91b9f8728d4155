"""Writes to tickets. One service per change; each is atomic and logs a TicketEvent, so the
event log is complete whichever channel (portal, API, admin, later email/Slack) made the change."""
from __future__ import annotations

import os

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Organization

from . import list_cache
from .models import (
    OPEN_STATUSES, Attachment, Channel, Environment, EventKind, Message, Queue, SeverityCode, Status,
    Ticket, TicketEvent,
)

# Which status may follow which. Closed is final: a customer with more to say opens a new ticket.
ALLOWED_TRANSITIONS: dict[str, set[str]] = {
    Status.NEW: {Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.WAITING_ON_CUSTOMER, Status.RESOLVED, Status.CLOSED},
    Status.ACKNOWLEDGED: {Status.IN_PROGRESS, Status.WAITING_ON_CUSTOMER, Status.RESOLVED, Status.CLOSED},
    Status.IN_PROGRESS: {Status.WAITING_ON_CUSTOMER, Status.RESOLVED, Status.CLOSED},
    Status.WAITING_ON_CUSTOMER: {Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED},
    Status.RESOLVED: {Status.IN_PROGRESS, Status.CLOSED},
    Status.CLOSED: set(),
}


def _event(ticket: Ticket, actor, kind: str, **data) -> TicketEvent:
    # Every change is logged here, so this is also where cached ticket lists learn of it.
    organization_id = ticket.organization_id
    transaction.on_commit(lambda: list_cache.invalidate(organization_id))
    return TicketEvent.objects.create(ticket=ticket, actor=actor, kind=kind, data=data)


def _require_staff(actor) -> None:
    if not (actor and actor.is_staff):
        raise PermissionDenied("Only support staff can do this.")


@transaction.atomic
def ticket_create(
    *,
    organization: Organization,
    requester,
    subject: str,
    description: str,
    severity: str,
    channel: str,
    environment: str = Environment.PRODUCTION,
    affected_users: str = "",
    business_impact: str = "",
    already_tried: str = "",
    idempotency_key: str | None = None,
) -> tuple[Ticket, bool]:
    """Open a ticket from any channel. Returns (ticket, created).

    With an idempotency key, a repeat by the same requester returns the first ticket unchanged.
    """
    if idempotency_key:
        existing = Ticket.objects.filter(requester=requester, idempotency_key=idempotency_key).first()
        if existing:
            return existing, False

    errors = {}
    if not subject or not subject.strip():
        errors["subject"] = "A subject is required."
    if not description or not description.strip():
        errors["description"] = "Please describe what happened."
    if severity not in SeverityCode.values:
        errors["severity"] = f"Unknown severity {severity!r}; use one of {', '.join(SeverityCode.values)}."
    if channel not in Channel.values:
        errors["channel"] = f"Unknown channel {channel!r}."
    if environment not in Environment.values:
        errors["environment"] = f"Unknown environment {environment!r}; use production or staging."
    if errors:
        raise ValidationError(errors)
    if not requester.is_staff and requester.organization_id != organization.pk:
        raise PermissionDenied("You can only open tickets for your own organisation.")
    if not organization.tier.ticket_portal:
        channels = ", ".join(organization.tier.channels)
        raise ValidationError(
            f"The {organization.tier.name} tier has no ticket support; please use: {channels}."
        )

    ticket = Ticket(
        organization=organization,
        requester=requester,
        subject=subject.strip(),
        description=description.strip(),
        severity=severity,
        channel=channel,
        environment=environment,
        affected_users=affected_users.strip(),
        business_impact=business_impact.strip(),
        already_tried=already_tried.strip(),
        # The guide's Priority Queue: Enterprise tickets go to senior engineers.
        queue=Queue.PRIORITY if organization.tier.priority_queue else Queue.STANDARD,
        idempotency_key=idempotency_key or None,
    )
    try:
        with transaction.atomic():
            ticket.save()
    except IntegrityError:
        # A concurrent request with the same key won the race: return its ticket.
        if idempotency_key:
            return Ticket.objects.get(requester=requester, idempotency_key=idempotency_key), False
        raise
    _event(ticket, requester, EventKind.CREATED, channel=channel, severity=severity)
    return ticket, True


def _set_status(ticket: Ticket, actor, new_status: str, **data) -> None:
    if new_status == ticket.status:
        return
    if new_status not in ALLOWED_TRANSITIONS.get(ticket.status, set()):
        raise ValidationError(
            f"A {ticket.get_status_display().lower()} ticket cannot become {Status(new_status).label.lower()}."
        )
    old = ticket.status
    ticket.status = new_status
    if new_status == Status.RESOLVED:
        ticket.resolved_at = timezone.now()
    elif new_status in OPEN_STATUSES:
        ticket.resolved_at = None
    ticket.save(update_fields=["status", "resolved_at", "updated_at"])
    _event(ticket, actor, EventKind.STATUS_CHANGED, old=old, new=new_status,
           reopened=old == Status.RESOLVED and new_status in OPEN_STATUSES, **data)


@transaction.atomic
def ticket_set_status(*, ticket: Ticket, actor, status: str) -> Ticket:
    _require_staff(actor)
    if status not in Status.values:
        raise ValidationError({"status": f"Unknown status {status!r}."})
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    _set_status(ticket, actor, status)
    return ticket


def ticket_acknowledge(*, ticket: Ticket, actor) -> Ticket:
    return ticket_set_status(ticket=ticket, actor=actor, status=Status.ACKNOWLEDGED)


def ticket_resolve(*, ticket: Ticket, actor) -> Ticket:
    return ticket_set_status(ticket=ticket, actor=actor, status=Status.RESOLVED)


@transaction.atomic
def ticket_assign(*, ticket: Ticket, actor, assignee) -> Ticket:
    _require_staff(actor)
    if assignee is not None and not assignee.is_staff:
        raise ValidationError({"assignee": "Tickets can only be assigned to support staff."})
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if ticket.assignee_id == (assignee.pk if assignee else None):
        return ticket
    old = ticket.assignee_id
    ticket.assignee = assignee
    ticket.save(update_fields=["assignee", "updated_at"])
    _event(ticket, actor, EventKind.ASSIGNED, old=old, new=assignee.pk if assignee else None)
    return ticket


@transaction.atomic
def ticket_change_severity(*, ticket: Ticket, actor, severity: str, reason: str = "") -> Ticket:
    _require_staff(actor)
    if severity not in SeverityCode.values:
        raise ValidationError({"severity": f"Unknown severity {severity!r}."})
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if ticket.severity == severity:
        return ticket
    old = ticket.severity
    ticket.severity = severity
    ticket.save(update_fields=["severity", "updated_at"])
    _event(ticket, actor, EventKind.SEVERITY_CHANGED, old=old, new=severity, reason=reason)
    return ticket


STAFF_EDITABLE_FIELDS = ("subject", "environment", "affected_users", "business_impact", "already_tried", "queue")


@transaction.atomic
def ticket_update(*, ticket: Ticket, actor, **changes) -> Ticket:
    """Staff edits: plain fields plus status, severity and assignee through their own rules."""
    _require_staff(actor)
    status = changes.pop("status", None)
    severity = changes.pop("severity", None)
    assignee_given = "assignee" in changes
    assignee = changes.pop("assignee", None)
    unknown = set(changes) - set(STAFF_EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({f: "This field cannot be changed." for f in sorted(unknown)})
    if "environment" in changes and changes["environment"] not in Environment.values:
        raise ValidationError({"environment": "Use production or staging."})
    if "queue" in changes and changes["queue"] not in Queue.values:
        raise ValidationError({"queue": "Unknown queue."})

    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    diff = {f: [getattr(ticket, f), v] for f, v in changes.items() if getattr(ticket, f) != v}
    if diff:
        for field, (_old, new) in diff.items():
            setattr(ticket, field, new)
        ticket.save(update_fields=[*diff, "updated_at"])
        _event(ticket, actor, EventKind.UPDATED, changes=diff)
    if severity is not None:
        ticket = ticket_change_severity(ticket=ticket, actor=actor, severity=severity)
    if assignee_given:
        ticket = ticket_assign(ticket=ticket, actor=actor, assignee=assignee)
    if status is not None:
        ticket = ticket_set_status(ticket=ticket, actor=actor, status=status)
    return ticket


@transaction.atomic
def message_create(*, ticket: Ticket, author, body: str, is_internal: bool = False) -> Message:
    """A public reply or an internal note.

    A customer's reply brings a ticket that waits on them, or that was resolved, back to work
    (the latter is a reopen); a closed ticket takes no more replies.
    """
    if not body or not body.strip():
        raise ValidationError({"body": "The message is empty."})
    if is_internal and not author.is_staff:
        raise PermissionDenied("Only support staff can write internal notes.")
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if ticket.status == Status.CLOSED:
        raise ValidationError("This ticket is closed; please open a new ticket.")
    message = Message.objects.create(ticket=ticket, author=author, body=body.strip(), is_internal=is_internal)
    _event(ticket, author, EventKind.NOTE_ADDED if is_internal else EventKind.REPLIED,
           message=message.pk, by_staff=author.is_staff)
    if not author.is_staff and ticket.status in (Status.WAITING_ON_CUSTOMER, Status.RESOLVED):
        _set_status(ticket, author, Status.IN_PROGRESS, cause="customer_reply")
    return message


def _clean_filename(name: str) -> str:
    name = os.path.basename(name.replace("\\", "/")).strip().replace("\x00", "")
    return name[:255] or "attachment"


def check_upload(uploaded_file) -> None:
    """Refuse an empty or oversized upload with a message the customer can act on."""
    size = uploaded_file.size or 0
    if size == 0:
        raise ValidationError({"file": "The file is empty."})
    limit = settings.ATTACHMENT_MAX_BYTES
    if size > limit:
        raise ValidationError(
            {"file": f"The file is {size / 1048576:.1f} MB; attachments are limited to {limit / 1048576:.0f} MB."}
        )


@transaction.atomic
def attachment_create(*, ticket: Ticket, uploaded_by, uploaded_file, message: Message | None = None) -> Attachment:
    """Store a private attachment. Empty and oversized files are refused before anything is written."""
    check_upload(uploaded_file)
    size = uploaded_file.size
    if message is not None and message.ticket_id != ticket.pk:
        raise ValidationError({"message": "That message belongs to another ticket."})
    attachment = Attachment(
        ticket=ticket,
        message=message,
        uploaded_by=uploaded_by,
        filename=_clean_filename(uploaded_file.name or ""),
        content_type=(getattr(uploaded_file, "content_type", None) or "application/octet-stream")[:100],
        size=size,
    )
    attachment.file.save(attachment.filename, uploaded_file, save=False)
    # If the row cannot be written, don't leave the stored file behind.
    try:
        attachment.save()
    except Exception:
        attachment.file.delete(save=False)
        raise
    _event(ticket, uploaded_by, EventKind.ATTACHMENT_ADDED, attachment=attachment.pk,
           filename=attachment.filename, size=size)
    return attachment

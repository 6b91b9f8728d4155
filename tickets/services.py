"""Writes to tickets. One service per change; each is atomic and logs a TicketEvent, so the
event log is complete whichever channel (portal, API, admin, later email/Slack) made the change."""
from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Organization
from accounts.roles import require_staff

from notifications.services import notification_enqueue_many
from status.incidents import incident_for_component
from status.models import Component, Incident, IncidentUpdate

from . import events
from .filenames import safe_filename
from .sla import clocks, notify
from .sla.escalation import escalate
from .sla.policy import policy_for
from .selectors import escalation_request_refusal, slack_channel_for
from .models import (
    OPEN_STATUSES, Attachment, Channel, Environment, EventKind, Message, Queue, SeverityCode, Status, Ticket,
    TicketEvent,
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
    # Every change is logged here, and announced to the apps that react to it (tickets.events):
    # the list cache, the customer's Slack channel, the requester's mail, whichever channel made it.
    event = TicketEvent.objects.create(ticket=ticket, actor=actor, kind=kind, data=data)
    events.announce_one(ticket, event)
    return event


SLA_FIELDS = [
    "acknowledged_at", "first_response_at", "resolved_at",
    "ack_due_at", "ack_warn_at", "response_due_at", "response_warn_at", "resolution_due_at", "resolution_warn_at",
    "resolution_paused_at", "resolution_paused_seconds", "next_escalation_at", "sla_next_check_at",
]


def _sla_refresh(ticket: Ticket, policy=None) -> None:
    """Recompute the running clocks after an input changed (severity, status, first reply)."""
    clocks.recompute(ticket, policy or policy_for(ticket.organization), risk_ratio=settings.SLA_AT_RISK_RATIO)


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
    component=None,
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
        component=component,
        idempotency_key=idempotency_key or None,
    )
    _sla_refresh(ticket)  # due times are part of the row from the start
    # Atomic, but no savepoint of its own (two round trips on every emailed ticket): inside a
    # caller's transaction a failure here fails that transaction whole, which is what each
    # caller wants. Refusals are raised above, before anything is written.
    with transaction.atomic(savepoint=False):
        try:
            # A savepoint only where a key race needs one: to read the winner after the failed insert.
            with transaction.atomic(savepoint=bool(idempotency_key)):
                ticket.save()
        except IntegrityError:
            # A concurrent request with the same key won the race: return its ticket.
            if idempotency_key:
                return Ticket.objects.get(requester=requester, idempotency_key=idempotency_key), False
            raise
        _event(ticket, requester, EventKind.CREATED, channel=channel, severity=severity)
        _detect_systemic(ticket)
    return ticket, True


HOTLINE_SEVERITIES = (SeverityCode.P1, SeverityCode.P2)


@transaction.atomic
def phone_call_log(*, staff, organization: Organization, caller_email: str, severity: str,
                   summary: str) -> Ticket:
    """A hotline call logged by staff as a ticket (channel phone).

    Guide: phone support is Enterprise only, 24/7 for P1/P2 issues. Other calls are refused
    with the reason, so the caller can be pointed to the right channel.
    """
    require_staff(staff)
    tier = organization.tier
    if "Phone" not in tier.channels:
        raise ValidationError({"organization": f"{organization.name} is on {tier.name}, which has no phone "
                                               f"support; its channels are {', '.join(tier.channels)}."})
    if severity not in HOTLINE_SEVERITIES:
        raise ValidationError({"severity": "The hotline is for P1/P2 issues; please ask the caller to file "
                                           "P3/P4 in the portal or by email."})
    caller = organization.members.filter(email__iexact=(caller_email or "").strip(), is_active=True).first()
    if caller is None:
        raise ValidationError({"caller_email": f"Nobody with that email belongs to {organization.name}; "
                                               "add them as a member first."})
    summary = (summary or "").strip()
    ticket, _ = ticket_create(organization=organization, requester=caller, channel=Channel.PHONE,
                              subject=summary.splitlines()[0][:200] if summary else "", description=summary,
                              severity=severity)
    _event(ticket, staff, EventKind.UPDATED, changes={}, logged_call_by=staff.get_username())
    return ticket


SYSTEMIC_SEVERITIES = (SeverityCode.P1, SeverityCode.P2)


def _detect_systemic(ticket: Ticket) -> Incident | None:
    """Guide: "Multiple related issues indicate systemic problem" → escalate immediately.

    When enough P1/P2 tickets from enough organisations name one component within the window
    (settings.SLA_SYSTEMIC_*), they are linked under one open incident and each is escalated.
    """
    if ticket.component_id is None or ticket.severity not in SYSTEMIC_SEVERITIES:
        return None
    since = ticket.created_at - timedelta(minutes=settings.SLA_SYSTEMIC_WINDOW_MINUTES)
    related = list(
        Ticket.objects.select_for_update(of=("self",))
        .select_related("organization__tier", "organization__account_manager", "organization__support_engineer",
                        "requester", "assignee")
        .filter(component_id=ticket.component_id, severity__in=SYSTEMIC_SEVERITIES, created_at__gte=since)
        .exclude(status__in=[Status.RESOLVED, Status.CLOSED])
    )
    if (len(related) < settings.SLA_SYSTEMIC_MIN_TICKETS
            or len({t.organization_id for t in related}) < settings.SLA_SYSTEMIC_MIN_ORGANIZATIONS):
        return None
    incident = incident_for_component(component=ticket.component, title=f"Systemic issue: {ticket.component.name}")
    now = timezone.now()
    contacts = notify.Contacts()
    for other in related:
        if other.incident_id is not None:
            continue
        other.incident = incident
        policy = policy_for(other.organization)
        _event(other, None, EventKind.INCIDENT_LINKED, incident=incident.pk, component=ticket.component.name)
        event, specs = escalate(other, policy=policy, contacts=contacts, now=now, trigger="systemic",
                                reason=incident.title)
        other.sla_next_check_at = clocks.next_check_at(other)
        other.save(update_fields=["incident", "escalation_level", "next_escalation_at", "sla_next_check_at"])
        if event:
            event.save()
            notification_enqueue_many(specs)
            events.announce_one(other, event)
    if ticket.pk in {t.pk for t in related}:
        ticket.refresh_from_db()
    return incident


def incident_update_notify(update: IncidentUpdate) -> None:
    """Subscriber of status.events: an incident update tells the customers whose tickets are
    linked to it (guide: "real-time incident communication"): a post in each organisation's
    Slack Connect channel naming the tickets it may be told of, and an email to each linked
    ticket's requester. Runs in the update's transaction."""
    incident = update.incident
    by_organization: dict[int, list[Ticket]] = {}
    for ticket in incident.tickets.select_related("organization__tier", "requester").order_by("pk"):
        by_organization.setdefault(ticket.organization_id, []).append(ticket)
    if not by_organization:
        return
    names = ", ".join(incident.affected.order_by("component__name").values_list("component__name", flat=True))
    specs = []
    for linked in by_organization.values():
        organization = linked[0].organization
        context = {"incident_id": incident.pk, "title": incident.title, "component": names or "Aragora",
                   "body": update.body, "resolves": update.resolves, "organization": organization.name,
                   "audience": "customer"}
        # Each recipient hears of the tickets they may see: a requester their own, the shared Slack
        # channel those it may be told of (selectors.slack_channel_for).
        audiences: dict[tuple[str, str], list[Ticket]] = {}
        for ticket in linked:
            channel = slack_channel_for(ticket)
            if channel:
                audiences.setdefault(("slack", channel), []).append(ticket)
            if ticket.requester.email:
                audiences.setdefault(("email", ticket.requester.email), []).append(ticket)
        specs += [{"key": f"incident_update:{update.pk}:{kind}:{recipient}", "channel": kind, "recipient": recipient,
                   "template": "incident_update", "context": {**context, "ticket_ids": [t.pk for t in tickets]},
                   "ticket_id": tickets[0].pk}
                  for (kind, recipient), tickets in sorted(audiences.items())]
    notification_enqueue_many(specs)


@transaction.atomic
def escalation_request(*, ticket: Ticket, actor, reason: str) -> Ticket:
    """The customer asks for escalation (guide: "Customer explicitly requests escalation").

    Raises the ticket one level at once; recorded, and the new level's contacts are told. A
    customer's requests are limited (selectors.escalation_request_refusal: one level per request,
    a cool-down per ticket, executives for P1/P2 only); the same rule is shown in the portal.
    """
    if not reason or not reason.strip():
        raise ValidationError({"reason": "Please tell us why this needs escalating."})
    ticket = Ticket.objects.select_for_update(of=("self",)).select_related(
        "organization__tier", "organization__account_manager", "organization__support_engineer",
        "requester", "assignee").get(pk=ticket.pk)
    if ticket.status in (Status.RESOLVED, Status.CLOSED):
        raise ValidationError("This ticket is resolved; reply to reopen it, or open a new ticket.")
    policy = policy_for(ticket.organization)
    if not policy.has_sla or not policy.levels:
        raise ValidationError(f"The {policy.name} tier has no escalation ladder.")
    # Checked under the ticket's lock: two requests at once cannot both pass the cool-down.
    refusal = None if actor.is_staff else escalation_request_refusal(ticket)
    if refusal:
        raise ValidationError(refusal)
    event, specs = escalate(ticket, policy=policy, contacts=notify.Contacts(), now=timezone.now(),
                            trigger="customer_request", actor=actor, reason=reason.strip())
    if event is None:
        raise ValidationError(
            f"This ticket is already at the highest level (L{ticket.escalation_level}) of the ladder.")
    ticket.sla_next_check_at = clocks.next_check_at(ticket)
    ticket.save(update_fields=["escalation_level", "next_escalation_at", "sla_next_check_at", "updated_at"])
    _event(ticket, actor, EventKind.ESCALATED, **event.data)
    notification_enqueue_many(specs)
    return ticket


def _set_status(ticket: Ticket, actor, new_status: str, **data) -> None:
    if new_status == ticket.status:
        return
    if new_status not in ALLOWED_TRANSITIONS.get(ticket.status, set()):
        raise ValidationError(
            f"A {ticket.get_status_display().lower()} ticket cannot become {Status(new_status).label.lower()}."
        )
    old = ticket.status
    now = timezone.now()
    policy = policy_for(ticket.organization)
    if actor is not None and actor.is_staff and ticket.acknowledged_at is None:
        ticket.acknowledged_at = now  # staff taking up a ticket in any way acknowledges it
    stopped = {Status.RESOLVED, Status.CLOSED}
    if new_status == Status.WAITING_ON_CUSTOMER or (new_status in stopped and old not in stopped):
        clocks.pause_resolution(ticket, now)
    if new_status in stopped and ticket.resolved_at is None:
        ticket.resolved_at = now
    reopened = old in stopped and new_status in OPEN_STATUSES
    if new_status in OPEN_STATUSES and new_status != Status.WAITING_ON_CUSTOMER:
        ticket.status = new_status  # the clock reads the new status
        ticket.resolved_at = None
        clocks.resume_resolution(ticket, policy, now)
    ticket.status = new_status
    _sla_refresh(ticket, policy)
    ticket.save(update_fields=["status", "updated_at", *SLA_FIELDS])
    _event(ticket, actor, EventKind.STATUS_CHANGED, old=old, new=new_status, reopened=reopened, **data)


@transaction.atomic
def ticket_set_status(*, ticket: Ticket, actor, status: str) -> Ticket:
    require_staff(actor)
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
    require_staff(actor)
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
    require_staff(actor)
    if severity not in SeverityCode.values:
        raise ValidationError({"severity": f"Unknown severity {severity!r}."})
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if ticket.severity == severity:
        return ticket
    old = ticket.severity
    ticket.severity = severity
    _sla_refresh(ticket)
    ticket.save(update_fields=["severity", "updated_at", *SLA_FIELDS])
    _event(ticket, actor, EventKind.SEVERITY_CHANGED, old=old, new=severity, reason=reason)
    return ticket


STAFF_EDITABLE_FIELDS = ("subject", "environment", "affected_users", "business_impact", "already_tried", "queue",
                         "component")


@transaction.atomic
def ticket_update(*, ticket: Ticket, actor, **changes) -> Ticket:
    """Staff edits: plain fields plus status, severity and assignee through their own rules."""
    require_staff(actor)
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
    if "component" in changes and changes["component"] is not None and not isinstance(changes["component"], Component):
        raise ValidationError({"component": "Choose one of the platform's components."})

    ticket = Ticket.objects.select_for_update(of=("self",)).select_related("component").get(pk=ticket.pk)
    diff = {f: [getattr(ticket, f), v] for f, v in changes.items() if getattr(ticket, f) != v}
    if diff:
        for field, (_old, new) in diff.items():
            setattr(ticket, field, new)
        ticket.save(update_fields=[*diff, "updated_at"])
        # The log holds plain values: a component by its name.
        logged = {f: [str(old) if isinstance(old, Component) else old, str(new) if isinstance(new, Component) else new]
                  for f, (old, new) in diff.items()}
        _event(ticket, actor, EventKind.UPDATED, changes=logged)
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
    if author.is_staff and not is_internal and ticket.first_response_at is None:
        # The first public staff reply stops the response clock (and acknowledges).
        ticket.first_response_at = message.created_at
        ticket.acknowledged_at = ticket.acknowledged_at or message.created_at
        _sla_refresh(ticket)
        ticket.save(update_fields=["updated_at", *SLA_FIELDS])
    _event(ticket, author, EventKind.NOTE_ADDED if is_internal else EventKind.REPLIED,
           message=message.pk, by_staff=author.is_staff)
    if not author.is_staff and ticket.status in (Status.WAITING_ON_CUSTOMER, Status.RESOLVED):
        _set_status(ticket, author, Status.IN_PROGRESS, cause="customer_reply")
    return message


def _clean_filename(name: str) -> str:
    return safe_filename(name)


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
    # As ticket_create: no savepoint of its own; refusals come before any write.
    with transaction.atomic(savepoint=False):
        # If the row cannot be written, don't leave the stored file behind.
        try:
            attachment.save()
        except Exception:
            attachment.file.delete(save=False)
            raise
        _event(ticket, uploaded_by, EventKind.ATTACHMENT_ADDED, attachment=attachment.pk,
               filename=attachment.filename, size=size)
    return attachment


@transaction.atomic
def ticket_log_change(*, ticket: Ticket, actor, changes: dict, **data) -> Ticket:
    """Record on a ticket's history a change that an app above the core made about it (e.g.
    onboarding marking it out of scope): logged and announced like any change of the ticket's own.
    `changes` maps a name to [old, new]."""
    ticket = Ticket.objects.select_for_update(of=("self",)).select_related("organization__tier").get(pk=ticket.pk)
    ticket.save(update_fields=["updated_at"])
    _event(ticket, actor, EventKind.UPDATED, changes=changes, **data)
    return ticket

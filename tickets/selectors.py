"""Reads of tickets, scoped to what the viewer may see. Every portal page and API endpoint
starts here, so tenancy is decided in one place."""
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.scoping import Scope, may_see, scope_of
from accounts.models import CustomSlaTarget, Organization, Severity, SlaTarget

from .models import Attachment, Channel, Message, Ticket
from .sla import clocks


def tickets_visible_to(user) -> QuerySet[Ticket]:
    """Staff see every ticket; a customer admin their organisation's; a member their own.

    Anyone else (anonymous, a user without organisation and not staff) sees nothing.
    """
    return tickets_in_scope(ticket_scope(user))


def ticket_scope(user) -> Scope:
    """tickets_visible_to's rule as data: what kind of scope, with which ids (accounts.scoping)."""
    return scope_of(user)


def tickets_in_scope(scope: Scope) -> QuerySet[Ticket]:
    """tickets_visible_to for a scope already worked out (accounts.scoping.scope_of)."""
    return scope.apply(Ticket.objects.all(), owner_field="requester")


def ticket_is_visible_to(user, ticket: Ticket) -> bool:
    """tickets_visible_to's rule for a ticket already loaded (no query): inbound mail asks it
    before a reply by References or ticket token joins a ticket."""
    return may_see(user, ticket, owner_field="requester")


def ticket_get_for(user, pk) -> Ticket:
    """The ticket if the user may see it; 404 otherwise, whether or not it exists elsewhere."""
    try:
        return tickets_visible_to(user).select_related("organization__tier", "requester", "assignee").get(pk=pk)
    except (Ticket.DoesNotExist, ValueError, TypeError):
        raise Http404("No such ticket.")


def messages_visible_to(user, ticket: Ticket) -> QuerySet[Message]:
    qs = ticket.messages.select_related("author")
    if not user.is_staff:
        qs = qs.filter(is_internal=False)
    return qs


def attachments_visible_to(user, ticket: Ticket) -> QuerySet[Attachment]:
    qs = ticket.attachments.select_related("uploaded_by")
    if not user.is_staff:
        # An attachment on an internal note is as private as the note.
        qs = qs.exclude(message__is_internal=True)
    return qs


def attachment_get_for(user, ticket: Ticket, attachment_id) -> Attachment:
    """An attachment of a ticket the user may see (from ticket_get_for); 404 unless it is on
    that ticket and visible to the user."""
    attachment = attachments_visible_to(user, ticket).filter(pk=attachment_id).first()
    if attachment is None:
        raise Http404("No such attachment.")
    return attachment


def policy_for(organization: Organization) -> dict:
    """Severity definitions with the targets that apply to this organisation: its tier's,
    replaced by any negotiated custom target."""
    tier = organization.tier
    targets = {(t.severity_id, t.kind): t for t in SlaTarget.objects.filter(tier=tier)}
    targets.update(
        {(t.severity_id, t.kind): t for t in CustomSlaTarget.objects.filter(organization=organization)}
    )
    rows = []
    for severity in Severity.objects.all():
        row = {"severity": severity}
        for kind in ("response", "resolution"):
            target = targets.get((severity.pk, kind))
            row[kind] = target.describe(bool(tier.business_days)) if target and tier.has_sla else "Best effort"
        rows.append(row)
    return {"tier": tier, "rows": rows}


CLOCK_LABELS = {"ack": "Acknowledgement", "response": "First response", "resolution": "Resolution"}


def clock_rows(ticket: Ticket, now=None) -> list[dict]:
    """The ticket's clocks for display: due time, state and whether it still runs."""
    now = now or timezone.now()
    rows = []
    for clock in clocks.CLOCKS:
        due = getattr(ticket, f"{clock}_due_at")
        if due is None and clock == "ack":
            continue  # only Enterprise P1 has an acknowledgement target
        rows.append({"name": CLOCK_LABELS[clock], "due_at": due, "state": clocks.state(ticket, clock, now),
                     "stopped_at": clocks.stopped_at(ticket, clock)})
    return rows


def tickets_by_urgency(queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """The staff queue's order: breached first, then the nearest due time of a running clock,
    then severity (P1 first), then the oldest. Ordering by the nearest due time alone puts the
    breached first (their due time has passed); the database keeps it in Ticket.queue_due_at,
    indexed in this order (ticket_queue_order)."""
    return queryset.order_by("queue_due_at", "severity", "created_at", "pk")


def slack_channel_for(ticket: Ticket) -> str:
    """The Slack Connect channel a ticket's updates may be posted to, or "".

    The channel is shared by everyone the customer invited, so it hears of a ticket only when the
    ticket was opened there (its people saw it already) or when the organisation chose to post
    every ticket (Organization.slack_posts_all_tickets): the portal's rule that a member sees
    only their own tickets holds in Slack too."""
    organization = ticket.organization
    if ticket.channel != Channel.SLACK and not organization.slack_posts_all_tickets:
        return ""
    return organization.linked_slack_channel


def escalation_request_refusal(ticket: Ticket, *, now=None) -> str | None:
    """Why this ticket's requester may not ask for escalation now, or None (tickets.sla.escalation)."""
    from datetime import timedelta

    from django.conf import settings
    from django.contrib.auth.models import Group

    from accounts.roles import EXECUTIVE

    from .models import EventKind, Status, TicketEvent
    from .sla.escalation import customer_request_refusal
    from .sla.policy import policy_for as tier_policy_for

    if ticket.status in (Status.RESOLVED, Status.CLOSED):
        return "This ticket is resolved; reply to reopen it, or open a new ticket."
    last = (TicketEvent.objects.filter(ticket=ticket, kind=EventKind.ESCALATED, data__trigger="customer_request")
            .order_by("-created_at").values_list("created_at", flat=True).first())
    return customer_request_refusal(
        ticket, tier_policy_for(ticket.organization), now=now or timezone.now(), last_request_at=last,
        cooldown=timedelta(minutes=settings.CUSTOMER_ESCALATION_COOLDOWN_MINUTES),
        executive_role_ids=set(Group.objects.filter(name=EXECUTIVE).values_list("pk", flat=True)))

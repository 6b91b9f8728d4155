"""Reads of tickets, scoped to what the viewer may see. Every portal page and API endpoint
starts here, so tenancy is decided in one place."""
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.scoping import may_see, visible_to
from accounts.models import CustomSlaTarget, Organization, Severity, SlaTarget

from .models import Attachment, Message, Ticket
from .sla import clocks


def tickets_visible_to(user) -> QuerySet[Ticket]:
    """Staff see every ticket; a customer admin their organisation's; a member their own.

    Anyone else (anonymous, a user without organisation and not staff) sees nothing.
    """
    return visible_to(user, Ticket.objects.all(), owner_field="requester")


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

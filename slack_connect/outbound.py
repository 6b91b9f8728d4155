"""What the portal posts to an organisation's Slack Connect channel, through the outbox.

Everything about one ticket goes into one Slack thread: the first post about the ticket starts
it (or the customer's own message did, when the ticket came from Slack), later posts reply in
it, and replies the customer writes there join the ticket (slack_connect.services). A post
carries ``thread_ticket_id`` in its context; ``slack_connect.threads`` does the threading at
send time, when the thread's ts is known.

Customers see customer wording only: ticket updates, escalations of their tickets, incidents
their tickets are linked to, and planned maintenance. Staff-only matters (SLA warnings,
internal notes, assignment) stay in the internal channel.
"""
from __future__ import annotations

import datetime as dt

from accounts.models import Organization
from notifications.services import notification_enqueue, ticket_context
from notifications.signals import THREAD_TICKET
from tickets.models import EventKind, Message, Status
from tickets.selectors import slack_channel_for

# Ticket events a customer's channel hears of. A customer's own reply is not echoed back:
# it was written by them, often in that very thread.
POSTED_EVENTS = {EventKind.CREATED, EventKind.REPLIED, EventKind.STATUS_CHANGED, EventKind.SEVERITY_CHANGED,
                 EventKind.INCIDENT_LINKED}
REPLY_EXCERPT = 2500  # Slack shows long posts collapsed; the full reply is in the portal


def linked_channel(organization: Organization) -> str:
    """The organisation's Slack Connect channel, if its tier includes Slack support; else ""."""
    return organization.linked_slack_channel


def _organization(ticket) -> Organization:
    if not type(ticket).organization.is_cached(ticket):
        ticket.organization = Organization.objects.select_related("tier").get(pk=ticket.organization_id)
    return ticket.organization


def _epoch(moment) -> int | None:
    return int(moment.timestamp()) if isinstance(moment, dt.datetime) else None


def _details(ticket, event) -> dict:
    """The template keys for one posted event."""
    data = event.data
    if event.kind == EventKind.CREATED:
        return {"via": data.get("channel", ""), "response_due_epoch": _epoch(ticket.response_due_at),
                "response_due_at": ticket.response_due_at}
    if event.kind == EventKind.REPLIED:
        message = Message.objects.select_related("author").get(pk=data["message"])
        body = message.body if len(message.body) <= REPLY_EXCERPT else message.body[:REPLY_EXCERPT] + " …"
        return {"author": message.author.get_full_name() or "Aragora Support", "reply": body}
    if event.kind == EventKind.STATUS_CHANGED:
        return {"old_status": Status(data["old"]).label, "new_status": Status(data["new"]).label,
                "new_status_code": data["new"]}
    if event.kind == EventKind.SEVERITY_CHANGED:
        return {"old_severity": data["old"], "reason": data.get("reason", "")}
    return {"incident_id": data["incident"], "component": data.get("component", "")}  # INCIDENT_LINKED


def ticket_changes_post(changes) -> None:
    """Subscriber to ticket events (tickets.events; wired in SlackConnectConfig.ready)."""
    for change in changes:
        ticket_event_post(change.ticket, change.event)


def ticket_event_post(ticket, event) -> None:
    """Post a ticket event to the organisation's Slack Connect channel, in the ticket's thread.

    Runs for every posted kind of event, in the event's transaction; posts only what a customer
    cares about, and only for organisations linked to a channel. One post per event and channel
    (the key).
    """
    if event.kind not in POSTED_EVENTS:
        return
    if event.kind == EventKind.REPLIED and not event.data.get("by_staff"):
        return  # checked before loading the organisation: most replies are the customer's
    _organization(ticket)
    channel = slack_channel_for(ticket)
    if not channel:
        return
    details = _details(ticket, event)
    notification_enqueue(
        key=f"slack_update:{event.pk}:{channel}", channel="slack", recipient=channel, template="ticket_update",
        ticket=ticket,
        context=ticket_context(ticket, audience="customer", update=event.kind, **{THREAD_TICKET: ticket.pk},
                               **details),
    )

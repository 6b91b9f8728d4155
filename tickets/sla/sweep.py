"""The SLA sweep: records warnings, breaches and escalation steps that have come due.

It reads only tickets whose `sla_next_check_at` has passed (a partial index holds just the
pending ones), a batch at a time, locked with SKIP LOCKED so several workers share the work
without processing a ticket twice. Each batch costs a constant number of queries: select,
custom targets, events, outbox rows, ticket updates.
"""
from __future__ import annotations

from collections import Counter

from django.db import transaction
from django.utils import timezone

from common.db import bulk_update
from notifications.services import notification_enqueue_many

from .. import events as ticket_events
from ..models import EventKind, Ticket, TicketEvent
from . import clocks, notify
from .escalation import escalate
from .policy import custom_targets, load_policies

SWEEP_FIELDS = [
    "ack_warned_at", "ack_breached_at", "response_warned_at", "response_breached_at",
    "resolution_warned_at", "resolution_breached_at", "escalation_level", "next_escalation_at", "sla_next_check_at",
]
# Guide, "When to Escalate": these breaches escalate at once, whatever the ladder says.
IMMEDIATE = {("ack", "P1"): "p1_not_acknowledged", ("resolution", "P1"): "p1_not_resolved"}


def process(ticket, *, policy, contacts, now):
    """Record what has come due on one ticket. Returns (events, notification specs)."""
    events, specs = [], []
    triggers = []
    for clock in clocks.CLOCKS:
        if clocks.stopped_at(ticket, clock) or clocks.is_paused(ticket, clock):
            continue
        due, warn = getattr(ticket, f"{clock}_due_at"), getattr(ticket, f"{clock}_warn_at")
        if due and not getattr(ticket, f"{clock}_breached_at") and now >= due:
            setattr(ticket, f"{clock}_breached_at", now)
            if not getattr(ticket, f"{clock}_warned_at"):
                setattr(ticket, f"{clock}_warned_at", now)  # too late to warn: the breach says it all
            events.append(TicketEvent(ticket=ticket, kind=EventKind.SLA_BREACHED, created_at=now,
                                      data={"clock": clock, "due_at": due.isoformat()}))
            specs += notify.for_breach(ticket, clock, due, contacts, policy, now)
            if (clock, ticket.severity) in IMMEDIATE:
                triggers.append(IMMEDIATE[(clock, ticket.severity)])
        elif warn and not getattr(ticket, f"{clock}_warned_at") and now >= warn:
            setattr(ticket, f"{clock}_warned_at", now)
            events.append(TicketEvent(ticket=ticket, kind=EventKind.SLA_WARNING, created_at=now,
                                      data={"clock": clock, "due_at": due.isoformat()}))
            specs += notify.for_warning(ticket, clock, due, contacts, policy)
    for trigger in triggers[:1]:  # one immediate step per sweep, even if both clocks breach at once
        event, more = escalate(ticket, policy=policy, contacts=contacts, now=now, trigger=trigger)
        if event:
            events.append(event)
            specs += more
    ticket.next_escalation_at = clocks.next_escalation_at(ticket, policy)
    while ticket.next_escalation_at and now >= ticket.next_escalation_at:
        event, more = escalate(ticket, policy=policy, contacts=contacts, now=now, trigger="elapsed")
        if event is None:
            break
        events.append(event)
        specs += more
    ticket.sla_next_check_at = clocks.next_check_at(ticket)
    return events, specs


def _touch_lists(organization_ids, events) -> None:
    # The list cache hears of the events through its subscription; a ticket that only moved its
    # next check logs no event, but its SLA fields changed all the same.
    from .. import list_cache

    for org_id in organization_ids - {e.ticket.organization_id for e in events}:
        transaction.on_commit(lambda org_id=org_id: list_cache.invalidate(org_id))


def sla_sweep(*, now=None, batch_size: int = 1000) -> Counter:
    now = now or timezone.now()
    policies = load_policies()
    contacts = notify.Contacts()
    counts: Counter = Counter()
    for _ in range(10_000):  # bounded: each batch moves every ticket it took past `now`
        with transaction.atomic():
            batch = list(
                Ticket.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("organization__tier", "organization__account_manager",
                                "organization__support_engineer", "requester", "assignee")
                .filter(sla_next_check_at__lte=now)
                .order_by("sla_next_check_at")[:batch_size]
            )
            if not batch:
                break
            customs = custom_targets({t.organization_id for t in batch})
            events, specs = [], []
            for ticket in batch:
                policy = policies[ticket.organization.tier_id].with_custom(customs.get(ticket.organization_id, {}))
                more_events, more_specs = process(ticket, policy=policy, contacts=contacts, now=now)
                events += more_events
                specs += more_specs
            TicketEvent.objects.bulk_create(events, batch_size=2000)
            notification_enqueue_many(specs)
            bulk_update(Ticket, batch, SWEEP_FIELDS)
            # Every ticket of the batch changed (its next check at least), even with no event.
            ticket_events.announce([ticket_events.TicketChange(e.ticket, e) for e in events])
            _touch_lists({t.organization_id for t in batch}, events)
        counts["tickets"] += len(batch)
        counts["notifications"] += len(specs)
        counts.update(e.kind for e in events)
        if len(batch) < batch_size:
            break
    return counts

"""Moving a ticket up its tier's escalation ladder: one step, recorded, with its notifications."""
from __future__ import annotations

from ..models import EventKind, TicketEvent
from . import clocks, notify


def escalate(ticket, *, policy, contacts, now, trigger: str, actor=None, reason: str = ""):
    """Raise the ticket one level. Returns (event, specs), or (None, []) at the top of the ladder.

    Does not save: the caller writes the ticket, the event and the notifications together.
    """
    level = policy.level(ticket.escalation_level + 1)
    if level is None:
        return None, []
    ticket.escalation_level = level.number
    ticket.next_escalation_at = clocks.next_escalation_at(ticket, policy)
    event = TicketEvent(ticket=ticket, actor=actor, kind=EventKind.ESCALATED, created_at=now,
                        data={"level": level.number, "title": level.title, "trigger": trigger, "reason": reason})
    return event, notify.for_escalation(ticket, level, trigger, contacts, now, reason)

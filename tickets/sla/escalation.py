"""Moving a ticket up its tier's escalation ladder: one step, recorded, with its notifications."""
from __future__ import annotations

import datetime as dt

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


# Severities for which a customer's request may bring in the executives (guide: the executive
# team is the last resort for critical issues; a P4 is not one, however often it is asked).
EXECUTIVE_SEVERITIES = ("P1", "P2")


def customer_request_refusal(ticket, policy, *, now: dt.datetime, last_request_at: dt.datetime | None,
                             cooldown: dt.timedelta, executive_role_ids: set[int]) -> str | None:
    """Why a customer may not ask for escalation now (None: they may). Customers go up one level
    per request, not more often than once per `cooldown` on a ticket, and reach a level that
    contacts executives only on a P1 or P2 ticket. Staff are not limited (they own the ladder)."""
    if not policy.has_sla or not policy.levels:
        return f"The {policy.name} tier has no escalation ladder."
    level = policy.level(ticket.escalation_level + 1)
    if level is None:
        return f"This ticket is already at the highest level (L{ticket.escalation_level}) of the ladder."
    if ticket.severity not in EXECUTIVE_SEVERITIES and executive_role_ids & set(level.role_ids):
        return (f"This {ticket.severity} ticket is at level {ticket.escalation_level}, the highest a customer can ask "
                f"for: executives are brought in for P1 and P2 tickets only. Reply on the ticket if its "
                f"severity should be higher.")
    if last_request_at is not None and now < last_request_at + cooldown:
        wait = last_request_at + cooldown - now
        minutes = max(1, int(wait.total_seconds() // 60))
        return (f"This ticket was escalated at your request less than {int(cooldown.total_seconds() // 60)} minutes "
                f"ago; the new contacts are on it. You can ask again in {minutes} minute{'s' if minutes != 1 else ''}.")
    return None

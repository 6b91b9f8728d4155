"""What feedback does when a ticket changes (tickets.events; subscribed in FeedbackConfig.ready).

Runs inside the change's transaction: the rating mail and the stored durations commit or roll
back with the resolution or reply that caused them.
"""
from __future__ import annotations

from tickets.models import EventKind

from .services import csat
from .services import timings

STOPPED = {"resolved", "closed"}
KINDS = (EventKind.STATUS_CHANGED, EventKind.REPLIED)


def ticket_changes(changes) -> None:
    for change in changes:
        ticket, data = change.ticket, change.event.data
        if change.kind == EventKind.REPLIED:
            if data.get("by_staff"):
                timings.timing_first_response(ticket=ticket)
        elif change.kind == EventKind.STATUS_CHANGED:
            _status_changed(ticket, data)


def _status_changed(ticket, data: dict) -> None:
    old, new = data.get("old"), data.get("new")
    if new in STOPPED and old not in STOPPED:
        # A resolution (resolved, or closed straight from open): time it and ask how we did.
        # resolved -> closed is the same resolution, asked about once.
        timings.timing_resolved(ticket=ticket)
        csat.csat_request(ticket=ticket)
    elif data.get("reopened"):
        timings.timing_reopened(ticket=ticket)

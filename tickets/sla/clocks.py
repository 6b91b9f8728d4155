"""Due times of a ticket's three clocks, computed from its inputs. Pure: no Django imports.

Works on any object with the Ticket's clock attributes, so the sweep and the services share it
and tests can use a plain namespace. Rules (DESIGN.md "SLA semantics", docs/sla.md):

- acknowledgement stops at the first acknowledgement or public staff reply; response at the first
  public staff reply; resolution when resolved (or closed).
- every clock starts when the ticket is opened; the calendar moves a start outside coverage to
  the next opening.
- the resolution clock stops while waiting on the customer and while resolved; the coverage time
  spent stopped is added back when it runs again (so a reopen resumes it). The response and
  acknowledgement clocks never pause.
- a clock that has stopped keeps its due time: changing severity later re-bases only the clocks
  still running, on the new severity's targets counted from when the ticket was opened.
"""
from __future__ import annotations

from datetime import datetime, timedelta

CLOCKS = ("ack", "response", "resolution")
KIND = {"ack": "acknowledgement", "response": "response", "resolution": "resolution"}

WAITING = "waiting_on_customer"
STOPPED_STATUSES = {"resolved", "closed"}


def stopped_at(ticket, clock: str) -> datetime | None:
    if clock == "ack":
        return ticket.acknowledged_at
    if clock == "response":
        return ticket.first_response_at
    return ticket.resolved_at if ticket.status in STOPPED_STATUSES else None


def is_paused(ticket, clock: str) -> bool:
    return clock == "resolution" and ticket.status == WAITING


def _running(ticket, clock: str) -> bool:
    return stopped_at(ticket, clock) is None and not is_paused(ticket, clock)


def _due_and_warn(policy, ticket, clock: str, extra_seconds: float, risk_ratio: float):
    target = policy.target(ticket.severity, KIND[clock])
    if target is None:
        return None, None
    calendar = policy.calendar
    start = ticket.created_at
    if target.unit == "m":
        base = calendar.add_duration(start, timedelta(minutes=target.amount))
    else:
        base = calendar.add(start, target.amount, target.unit)
    covered = calendar.coverage_between(start, base)
    due = calendar.add_duration(base, timedelta(seconds=extra_seconds)) if extra_seconds else base
    warn = calendar.add_duration(start, covered * risk_ratio + timedelta(seconds=extra_seconds))
    return due, warn


def recompute(ticket, policy, *, risk_ratio: float = 0.75) -> None:
    """Set due and warn times of the running clocks, the next escalation time and the next
    moment the sweep has work for this ticket."""
    for clock in CLOCKS:
        if stopped_at(ticket, clock) is not None:
            continue  # a stopped clock keeps the due time it was judged against
        extra = ticket.resolution_paused_seconds if clock == "resolution" else 0
        due, warn = _due_and_warn(policy, ticket, clock, extra, risk_ratio)
        setattr(ticket, f"{clock}_due_at", due)
        setattr(ticket, f"{clock}_warn_at", warn)
    ticket.next_escalation_at = next_escalation_at(ticket, policy)
    ticket.sla_next_check_at = next_check_at(ticket)


def next_escalation_at(ticket, policy) -> datetime | None:
    """When an unresolved ticket of a climbing severity reaches its next ladder level."""
    if not policy.has_sla or ticket.severity not in policy.climbing or not _running(ticket, "resolution"):
        return None
    level = policy.level(ticket.escalation_level + 1)
    if level is None:
        return None
    elapsed = timedelta(hours=level.after_hours, seconds=ticket.resolution_paused_seconds)
    return policy.calendar.add_duration(ticket.created_at, elapsed)


def next_check_at(ticket) -> datetime | None:
    pending = []
    for clock in CLOCKS:
        if not _running(ticket, clock):
            continue
        warn, due = getattr(ticket, f"{clock}_warn_at"), getattr(ticket, f"{clock}_due_at")
        if warn and not getattr(ticket, f"{clock}_warned_at"):
            pending.append(warn)
        if due and not getattr(ticket, f"{clock}_breached_at"):
            pending.append(due)
    if ticket.next_escalation_at:
        pending.append(ticket.next_escalation_at)
    return min(pending, default=None)


def pause_resolution(ticket, at: datetime) -> None:
    if ticket.resolution_paused_at is None:
        ticket.resolution_paused_at = at


def resume_resolution(ticket, policy, at: datetime) -> None:
    """Run the resolution clock again; the coverage time it was stopped is not counted —
    unless it had already breached when it stopped (a pause never un-breaches a ticket)."""
    paused_at = ticket.resolution_paused_at
    if paused_at is None:
        return
    due = ticket.resolution_due_at
    if due is not None and due > paused_at:
        ticket.resolution_paused_seconds += policy.calendar.coverage_between(paused_at, at).total_seconds()
    ticket.resolution_paused_at = None


def state(ticket, clock: str, now: datetime) -> str:
    """on_track | at_risk | breached | paused | met | none."""
    due = getattr(ticket, f"{clock}_due_at")
    if due is None:
        return "none"
    stop = stopped_at(ticket, clock)
    if stop is not None:
        return "met" if stop <= due else "breached"
    if is_paused(ticket, clock):
        return "paused"
    if now >= due:
        return "breached"
    warn = getattr(ticket, f"{clock}_warn_at")
    return "at_risk" if warn is not None and now >= warn else "on_track"


API_NAMES = {"ack": "acknowledgement", "response": "response", "resolution": "resolution"}


def summary(ticket, now: datetime) -> dict:
    """The `sla` object of the API: per clock its due time, state and when it stopped."""
    def iso(value):
        if value is None:
            return None
        text = value.isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return {
        API_NAMES[clock]: {
            "due_at": iso(getattr(ticket, f"{clock}_due_at")),
            "state": state(ticket, clock, now),
            "stopped_at": iso(stopped_at(ticket, clock)),
        }
        for clock in CLOCKS
    }


def worst_state(ticket, now: datetime) -> str:
    """The state to flag a ticket by: breached > at_risk > paused > on_track > met > none."""
    order = ["breached", "at_risk", "paused", "on_track", "met", "none"]
    return min((state(ticket, clock, now) for clock in CLOCKS), key=order.index)

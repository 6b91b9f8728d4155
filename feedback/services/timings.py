"""Stored durations of each ticket's first response and resolution (feedback.models.TicketTiming).

Written when the response or resolution happens, in calendar seconds and in business seconds
on the ticket's own coverage calendar (Pro: Mon-Fri 09:00-18:00 America/Los_Angeles;
Enterprise: 24/7, so both agree). The database sums and ranks stored numbers; it could not
count business hours itself.
"""
from __future__ import annotations

from django.db.models import F

from tickets.sla.policy import policy_for

from ..models import TicketTiming


def _durations(ticket, start, end) -> tuple[float, float]:
    calendar = policy_for(ticket.organization).calendar
    return (end - start).total_seconds(), calendar.coverage_between(start, end).total_seconds()


def _row_defaults(ticket) -> dict:
    return {"organization_id": ticket.organization_id, "tier_id": ticket.organization.tier_id,
            "severity": ticket.severity}


def _put(ticket, values: dict, *, only_if_null: str | None = None, on_create: dict | None = None) -> None:
    """Update the ticket's row, or make it. on_create: the values a new row takes instead of
    `values`' F() expressions, which only an UPDATE can evaluate."""
    rows = TicketTiming.objects.filter(pk=ticket.pk)
    if only_if_null:
        rows = rows.filter(**{f"{only_if_null}__isnull": True})
    if not rows.update(**values, severity=ticket.severity):
        TicketTiming.objects.get_or_create(ticket_id=ticket.pk,
                                           defaults={**_row_defaults(ticket), **values, **(on_create or {})})


def timing_first_response(*, ticket) -> None:
    at = ticket.first_response_at
    if at is None:
        return
    calendar_s, business_s = _durations(ticket, ticket.created_at, at)
    _put(ticket, {"first_response_at": at, "first_response_seconds": calendar_s,
                  "first_response_business_seconds": business_s}, only_if_null="first_response_at")


def timing_resolved(*, ticket) -> None:
    at = ticket.resolved_at
    if at is None:
        return
    calendar_s, business_s = _durations(ticket, ticket.created_at, at)
    _put(ticket, {"resolved_at": at, "resolution_seconds": calendar_s, "resolution_business_seconds": business_s})
    TicketTiming.objects.filter(pk=ticket.pk, first_resolved_at__isnull=True).update(first_resolved_at=at)


def timing_reopened(*, ticket) -> None:
    # The resolution was undone: it no longer counts as one until the ticket is resolved again.
    _put(ticket, {"resolved_at": None, "resolution_seconds": None, "resolution_business_seconds": None,
                  "reopen_count": F("reopen_count") + 1},
         # A ticket resolved before its timings were stored (or loaded in bulk) has no row yet.
         on_create={"reopen_count": 1})

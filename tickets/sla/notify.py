"""Who hears of an SLA event, on which channel: notification specs for the outbox.

Each spec carries an idempotency key made of the event and the recipient, so a sweep that runs
twice, or two sweeps racing, still leave one notification per recipient.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.contrib.auth import get_user_model

from notifications.services import ticket_context
from notifications.signals import THREAD_TICKET

from business_time.calendar import Calendar

from ..selectors import slack_channel_for


@dataclass(frozen=True)
class Spec:
    key: str
    channel: str
    recipient: str
    template: str
    context: dict
    ticket_id: int


class Contacts:
    """Active staff by role (group), loaded once per sweep."""

    def __init__(self):
        self.by_role: dict[int, list[tuple[str, str]]] = {}
        users = get_user_model().objects.filter(is_staff=True, is_active=True).exclude(email="")
        for email, name, group_id in users.values_list("email", "username", "groups"):
            if group_id is not None:
                self.by_role.setdefault(group_id, []).append((email, name))

    def for_level(self, ticket, level) -> dict[str, str]:
        """email → name of everyone contacted at this level for this ticket."""
        out = {}
        for role_id in level.role_ids if level else ():
            out.update(dict(self.by_role.get(role_id, [])))
        org = ticket.organization
        if level and level.notify_account_manager and org.account_manager_id and org.account_manager.email:
            out[org.account_manager.email] = org.account_manager.username
        if level and level.notify_support_engineer and org.support_engineer_id and org.support_engineer.email:
            out[org.support_engineer.email] = org.support_engineer.username
        return out


@lru_cache(maxsize=1)
def staff_calendar() -> Calendar:
    c = settings.STAFF_CALENDAR
    return Calendar.weekly(c["tz"], c["days"], dt.time.fromisoformat(c["start"]), dt.time.fromisoformat(c["end"]))


def _context(ticket, **extra) -> dict:
    plain = {k: (v.isoformat() if isinstance(v, dt.datetime) else v) for k, v in extra.items()}
    return ticket_context(ticket, escalation_level=ticket.escalation_level, **plain)


def _emails(event_key, template, context, ticket, recipients) -> list[Spec]:
    return [Spec(f"{event_key}:email:{email}", "email", email, template, context, ticket.pk)
            for email in sorted(recipients)]


def _slack(event_key, template, context, ticket) -> list[Spec]:
    specs = [Spec(f"{event_key}:slack:internal", "slack", settings.SLACK_INTERNAL_CHANNEL, template, context,
                  ticket.pk)]
    channel = slack_channel_for(ticket)
    if channel:  # the customer's Slack Connect channel: customer wording, in the ticket's thread
        specs.append(Spec(f"{event_key}:slack:{channel}", "slack", channel, template,
                          {**context, "audience": "customer", THREAD_TICKET: ticket.pk}, ticket.pk))
    return specs


def for_warning(ticket, clock: str, due_at, contacts: Contacts, policy) -> list[Spec]:
    event_key = f"sla_warning:{ticket.pk}:{clock}"
    context = _context(ticket, clock=clock, due_at=due_at)
    if ticket.assignee_id and ticket.assignee.email:
        recipients = {ticket.assignee.email}
    else:
        recipients = set(contacts.for_level(ticket, policy.level(ticket.escalation_level)))
    return _emails(event_key, "sla_warning", context, ticket, recipients) + [
        Spec(f"{event_key}:slack:internal", "slack", settings.SLACK_INTERNAL_CHANNEL, "sla_warning", context,
             ticket.pk)]


def for_breach(ticket, clock: str, due_at, contacts: Contacts, policy, now) -> list[Spec]:
    event_key = f"sla_breach:{ticket.pk}:{clock}"
    context = _context(ticket, clock=clock, due_at=due_at)
    recipients = set(contacts.for_level(ticket, policy.level(ticket.escalation_level)))
    if ticket.assignee_id and ticket.assignee.email:
        recipients.add(ticket.assignee.email)
    specs = _emails(event_key, "sla_breach", context, ticket, recipients)
    specs.append(Spec(f"{event_key}:slack:internal", "slack", settings.SLACK_INTERNAL_CHANNEL, "sla_breach",
                      context, ticket.pk))
    return specs + _pager(event_key, "sla_breach", context, ticket, now)


def for_escalation(ticket, level, trigger: str, contacts: Contacts, now, reason: str = "") -> list[Spec]:
    event_key = f"escalation:{ticket.pk}:L{level.number}"
    context = _context(ticket, level=level.number, level_title=level.title, trigger=trigger, reason=reason)
    recipients = set(contacts.for_level(ticket, level))
    specs = _emails(event_key, "escalation", context, ticket, recipients)
    if ticket.requester.email:  # the customer hears that their ticket went up the ladder
        specs.append(Spec(f"{event_key}:email:{ticket.requester.email}", "email", ticket.requester.email,
                          "escalation", {**context, "audience": "customer"}, ticket.pk))
    specs += _slack(event_key, "escalation", context, ticket)
    if level.page_outside_hours_p1_only and ticket.severity != "P1" and not staff_calendar().is_open(now):
        return specs  # the guide: L3/L4 are reached outside hours for P1 only; email waits till morning
    return specs + _pager(event_key, "escalation", context, ticket, now)


def _pager(event_key, template, context, ticket, now) -> list[Spec]:
    # The pager wakes people: P1 outside business hours only (in hours the team is at its desks).
    if ticket.severity != "P1" or staff_calendar().is_open(now):
        return []
    return [Spec(f"{event_key}:pager", "pager", settings.PAGER_ROUTING_KEY, template, context, ticket.pk)]

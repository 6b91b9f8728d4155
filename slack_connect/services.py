"""Slack Connect events: a new message in an organisation's channel opens a ticket, a reply in
a ticket's thread joins it. Signature checks happen in the view, before anything here runs."""
from __future__ import annotations

import logging

from django.db import IntegrityError, transaction

from accounts.models import CustomerRole, Organization
from email_intake.parsing import severity_from_subject
from tickets import services as tickets
from tickets.models import Channel, SeverityCode

from .models import SlackEvent, SlackThread

logger = logging.getLogger(__name__)


def _person(organization: Organization, slack_user: str):
    """The member who wrote, by their linked Slack user id; else the organisation's first
    customer admin, who stands in as requester (the ticket keeps the Slack author in its text)."""
    members = organization.members.filter(is_active=True)
    return (members.filter(slack_user_id=slack_user).first()
            or members.filter(customer_role=CustomerRole.ADMIN).order_by("pk").first())


@transaction.atomic
def slack_event_handle(payload: dict) -> str:
    event_id = str(payload.get("event_id") or "")
    if event_id:
        try:
            with transaction.atomic():
                record = SlackEvent.objects.create(event_id=event_id, outcome="received")
        except IntegrityError:
            return "duplicate"
    outcome = _handle(payload.get("event") or {})
    if event_id:
        record.outcome = outcome
        record.save(update_fields=["outcome"])
    return outcome


def _handle(event: dict) -> str:
    if event.get("type") != "message" or event.get("subtype") or event.get("bot_id"):
        return "ignored: not a person's message"
    organization = (Organization.objects.select_related("tier")
                    .filter(slack_channel=event.get("channel") or "-").first())
    if organization is None:
        return "ignored: channel not linked to an organisation"
    if "Slack" not in organization.tier.channels:
        return f"ignored: {organization.tier.name} has no Slack support"
    person = _person(organization, event.get("user", ""))
    if person is None:
        return "ignored: organisation has no member to file for"
    text = (event.get("text") or "").strip()
    if not text:
        return "ignored: empty message"
    ts, thread_ts = event.get("ts", ""), event.get("thread_ts")
    if thread_ts and thread_ts != ts:
        link = SlackThread.objects.select_related("ticket").filter(channel=event["channel"], thread_ts=thread_ts).first()
        if link is None:
            return "ignored: reply in a thread that is not a ticket"
        tickets.message_create(ticket=link.ticket, author=person, body=f"{text}\n\n(via Slack, <@{event.get('user')}>)")
        return f"reply on #{link.ticket_id}"
    first_line = text.splitlines()[0]
    ticket, _ = tickets.ticket_create(
        organization=organization, requester=person, channel=Channel.SLACK,
        subject=first_line[:200], description=f"{text}\n\n(via Slack, <@{event.get('user')}>)",
        severity=severity_from_subject(first_line) or SeverityCode.P3,
    )
    SlackThread.objects.create(ticket=ticket, channel=event["channel"], thread_ts=ts)
    return f"ticket #{ticket.pk}"

"""Slack Connect events: a new message in an organisation's channel opens a ticket, a reply in
a ticket's thread joins it. Signature checks happen in the view, before anything here runs."""
from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import CustomerRole, Organization
from email_intake.parsing import severity_from_subject
from notifications.services import notification_enqueue
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


def filer(channel: str, slack_user: str):
    """(organisation, person, refusal) for something written in a channel: the organisation the
    channel is linked to and who files for it, or why nothing may be filed from there."""
    organization = Organization.objects.select_related("tier").filter(slack_channel=channel or "-").first()
    if organization is None:
        return None, None, "channel not linked to an organisation"
    if "Slack" not in organization.tier.channels:
        return organization, None, f"{organization.tier.name} has no Slack support"
    person = _person(organization, slack_user)
    if person is None:
        return organization, None, "organisation has no member to file for"
    return organization, person, ""


def seen_before(event_id: str) -> bool:
    """Records an event id; True if it was recorded already (Slack retried the delivery)."""
    try:
        with transaction.atomic():
            SlackEvent.objects.create(event_id=event_id, outcome="received")
    except IntegrityError:
        return True
    return False


@transaction.atomic
def slack_event_handle(payload: dict) -> str:
    event_id = str(payload.get("event_id") or "")
    if event_id and seen_before(event_id):
        return "duplicate"
    outcome = _handle(payload.get("event") or {})
    if event_id:
        SlackEvent.objects.filter(event_id=event_id).update(outcome=outcome[:100])
    return outcome


def _handle(event: dict) -> str:
    if event.get("type") != "message" or event.get("subtype") or event.get("bot_id"):
        return "ignored: not a person's message"
    organization, person, refusal = filer(event.get("channel", ""), event.get("user", ""))
    if refusal:
        return f"ignored: {refusal}"
    text = (event.get("text") or "").strip()
    if not text:
        return "ignored: empty message"
    ts, thread_ts = event.get("ts", ""), event.get("thread_ts")
    if thread_ts and thread_ts != ts:
        link = SlackThread.objects.select_related("ticket").filter(channel=event["channel"], thread_ts=thread_ts).first()
        if link is None:
            return "ignored: reply in a thread that is not a ticket"
        try:
            tickets.message_create(ticket=link.ticket, author=person,
                                   body=f"{text}\n\n(via Slack, <@{event.get('user')}>)")
        except ValidationError as exc:  # a closed ticket: say so in the thread, rather than drop it silently
            _notice_in_thread(link, " ".join(exc.messages), key=event.get("ts", ""))
            return f"refused on #{link.ticket_id}: {' '.join(exc.messages)}"
        return f"reply on #{link.ticket_id}"
    ticket = ticket_open(organization, person, text, slack_user=event.get("user", ""))
    SlackThread.objects.create(ticket=ticket, channel=event["channel"], thread_ts=ts)
    return f"ticket #{ticket.pk}"


def _notice_in_thread(link: SlackThread, text: str, *, key: str) -> None:
    notification_enqueue(
        key=f"slack_notice:{link.channel}:{key}", channel="slack", recipient=link.channel, template="slack_notice",
        ticket=link.ticket, context={"notice": text, "slack_thread_ts": link.thread_ts},
    )


def ticket_open(organization: Organization, person, text: str, *, slack_user: str):
    """A ticket from what someone wrote in Slack, with the organisation's defaults: the first
    line is the subject, a severity tag in it ("[P1]", "P2:") sets the severity, else P3."""
    first_line = text.splitlines()[0]
    ticket, _ = tickets.ticket_create(
        organization=organization, requester=person, channel=Channel.SLACK,
        subject=first_line[:200], description=f"{text}\n\n(via Slack, <@{slack_user}>)",
        severity=severity_from_subject(first_line) or SeverityCode.P3,
    )
    return ticket

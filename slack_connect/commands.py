"""The /aragora slash command in an organisation's Slack Connect channel.

    /aragora [P2] Checkout is slow for EU users     opens a ticket (the organisation's defaults)
    /aragora status 123                            where ticket #123 stands
    /aragora help                                  what the command does

Slack wants an answer within 3 seconds; the answer is "ephemeral" (only the person who typed the
command sees it). The new ticket itself is announced in the channel by the outbox
(slack_connect.outbound), and that post starts the ticket's thread.
"""
from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import transaction

from notifications.services import slack_escape
from tickets.models import Channel, Status, Ticket
from tickets.selectors import tickets_visible_to

from .services import filer, seen_before, ticket_open

USAGE = ("*/aragora* opens and follows Aragora support tickets from this channel:\n"
         "• `/aragora [P2] Checkout is slow for EU users`: opens a ticket (severity P1–P4, default P3)\n"
         "• `/aragora status 123`: where ticket #123 stands\n"
         "Replies in a ticket's thread here are added to the ticket.")
STATUS = re.compile(r"^status\s+#?(\d{1,12})\s*$", re.IGNORECASE)


def _answer(text: str) -> dict:
    return {"response_type": "ephemeral", "text": text}


def _said(value: str) -> str:
    return slack_escape(value)  # what a person typed is shown, never read as a mention or link


def _status(organization, slack_user: str, number: int) -> dict:
    """Where a ticket stands, for whoever asks, by the portal's rule: a person linked to a portal
    user (User.slack_user_id) sees what that user sees (an admin the organisation's tickets, a
    member their own); anyone else only the tickets opened in the channel, which it shows anyway.
    A ticket outside that, or of another customer, reads as unknown."""
    person = organization.members.filter(is_active=True, slack_user_id=slack_user or "-").first()
    if person is not None:
        tickets = tickets_visible_to(person)
    else:
        tickets = Ticket.objects.filter(organization=organization, channel=Channel.SLACK)
    ticket = tickets.filter(pk=number).first()
    if ticket is None:
        return _answer(f"There is no ticket #{number} for {organization.name} that you can see here.")
    level = f", escalation level {ticket.escalation_level}" if ticket.escalation_level else ""
    return _answer(f"Ticket #{ticket.pk} ({ticket.severity}) {_said(ticket.subject)}: *{Status(ticket.status).label.lower()}*"
                   f"{level}.")


@transaction.atomic
def slack_command_handle(form) -> dict:
    """The answer to one slash command (form: the fields Slack posts)."""
    text = (form.get("text") or "").strip()
    organization, person, refusal = filer(form.get("channel_id", ""), form.get("user_id", ""))
    if refusal:
        return _answer(f"Nothing was filed: {refusal}. Your account manager can link this channel.")
    if not text or text.lower() == "help":
        return _answer(USAGE)
    status = STATUS.match(text)
    if status:
        return _status(organization, form.get("user_id", ""), int(status.group(1)))
    # Slack does not retry a slash command on its own, but a double submit has the same trigger id.
    if form.get("trigger_id") and seen_before(f"command:{form['trigger_id']}"):
        return _answer("This command was already received.")
    try:
        ticket = ticket_open(organization, person, text, slack_user=form.get("user_id", ""))
    except ValidationError as exc:
        return _answer(f"The ticket could not be opened: {_said(' '.join(exc.messages))}")
    return _answer(f"Opened ticket #{ticket.pk} ({ticket.severity}): {_said(ticket.subject)}. "
                   "It is posted in this channel; reply in its thread to add to it.")

"""Staff replies reach the requester by email, threaded so that answering adds to the ticket.

A subscriber to ticket events (tickets.events; wired in EmailIntakeConfig.ready): this app owns
the email channel both ways, so it knows the customer's own Message-IDs on a ticket and puts
them in In-Reply-To/References, and the Reply-To token (tickets.mail_tokens) that its placement
reads back when the customer answers.
"""
from __future__ import annotations

from notifications.services import notification_enqueue, ticket_context
from tickets import mail_tokens
from tickets.models import EventKind, Message

from .models import InboundEmail

# Mail clients thread on the last few ids; a long thread's whole history adds nothing.
MAX_REFERENCES = 20


def staff_replies_mail(changes) -> None:
    for change in changes:
        if change.event.data.get("by_staff"):
            _mail_reply(change.ticket, change.event.data["message"])


def _mail_reply(ticket, message_id: int) -> None:
    requester = ticket.requester
    if not requester.email:
        return
    message = Message.objects.select_related("author").get(pk=message_id)
    theirs = list(InboundEmail.objects.filter(ticket=ticket).exclude(message_id="")
                  .order_by("received_at").values_list("message_id", flat=True)[:MAX_REFERENCES])
    headers = {"Reply-To": mail_tokens.reply_address(ticket.pk)}
    if theirs:
        headers.update({"In-Reply-To": theirs[-1], "References": " ".join(theirs)})
    notification_enqueue(
        key=f"reply:{message.pk}:email:{requester.email}", channel="email", recipient=requester.email,
        template="ticket_reply", ticket=ticket,
        context=ticket_context(ticket, audience="customer", token=mail_tokens.ticket_token(ticket.pk),
                               reply=message.body, author=message.author.get_full_name() or "Aragora Support",
                               email_headers=headers),
    )


REPLY_EVENTS = (EventKind.REPLIED,)

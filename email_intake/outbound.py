"""What the requester hears by email of their ticket: a receipt when it is opened, staff's
public replies, and status changes; each threaded so that answering adds to the ticket, and
each only if the requester wants it (their notification preferences on the profile page).

Subscribers to ticket events (tickets.events; wired in EmailIntakeConfig.ready): this app owns
the email channel both ways, so it knows the customer's own Message-IDs on a ticket and puts
them in In-Reply-To/References, and the Reply-To token (tickets.mail_tokens) that its placement
reads back when the customer answers.
"""
from __future__ import annotations

from accounts.models import describe_target
from notifications.services import notification_enqueue, ticket_context
from tickets import mail_tokens
from tickets.models import Channel, EventKind, Message, Status
from tickets.sla.policy import policy_for

from .models import InboundEmail

# Mail clients thread on the last few ids; a long thread's whole history adds nothing.
MAX_REFERENCES = 20


def _wants(requester, preference: str) -> bool:
    return bool(requester.email) and requester.is_active and getattr(requester, preference, True)


def _thread_headers(ticket) -> dict:
    theirs = list(InboundEmail.objects.filter(ticket=ticket).exclude(message_id="")
                  .order_by("received_at").values_list("message_id", flat=True)[:MAX_REFERENCES])
    headers = {"Reply-To": mail_tokens.reply_address(ticket.pk)}
    if theirs:
        headers.update({"In-Reply-To": theirs[-1], "References": " ".join(theirs)})
    return headers


def _mail(ticket, *, key: str, template: str, **extra) -> None:
    requester = ticket.requester
    notification_enqueue(
        key=key, channel="email", recipient=requester.email, template=template, ticket=ticket,
        context=ticket_context(ticket, audience="customer", token=mail_tokens.ticket_token(ticket.pk),
                               contact_name=requester.first_name, email_headers=_thread_headers(ticket), **extra))


def staff_replies_mail(changes) -> None:
    for change in changes:
        if change.event.data.get("by_staff") and _wants(change.ticket.requester, "notify_staff_reply"):
            message = Message.objects.select_related("author").get(pk=change.event.data["message"])
            _mail(change.ticket, key=f"reply:{message.pk}:email:{change.ticket.requester.email}",
                  template="ticket_reply", reply=message.body,
                  author=message.author.get_full_name() or "Aragora Support")


def receipts_mail(changes) -> None:
    """The requester's receipt: number, severity, the targets that apply, how to reply.

    Not for a ticket that came by email: inbound mail is stored at 200+ messages a second in a
    handful of statements (docs/performance.md), and a receipt would add three to each; the
    sender's mail client already shows what they sent, and staff's first reply is threaded to it.
    (A decision to revisit with the scale issue's measurements: docs/notifications.md.)"""
    for change in changes:
        ticket = change.ticket
        if ticket.channel == Channel.EMAIL or not _wants(ticket.requester, "notify_ticket_receipt"):
            continue
        policy = policy_for(ticket.organization)
        business = not policy.calendar.is_always
        response, resolution = (policy.target(ticket.severity, kind) for kind in ("response", "resolution"))
        _mail(ticket, key=f"receipt:{ticket.pk}:email:{ticket.requester.email}", template="ticket_receipt",
              response_target=describe_target(response.amount, response.unit, business) if response else "",
              resolution_target=describe_target(resolution.amount, resolution.unit, business) if resolution else "",
              response_due_at=ticket.response_due_at.strftime("%a %d %b %H:%M") if ticket.response_due_at else "",
              coverage=f"Our support hours: {ticket.organization.tier.coverage_hours}." if business else "")


# The statuses a requester hears of; taking a ticket up (acknowledged, in progress) is visible in
# the portal and needs no mail, and their own reply's reopen is their own doing.
MAILED_STATUSES = {Status.WAITING_ON_CUSTOMER, Status.RESOLVED, Status.CLOSED}


def status_changes_mail(changes) -> None:
    for change in changes:
        ticket, data = change.ticket, change.event.data
        if (data.get("new") not in MAILED_STATUSES or change.event.actor_id == ticket.requester_id
                or not _wants(ticket.requester, "notify_status_change")):
            continue
        if _replied_just_now(ticket, change.event):
            continue  # a reply and a status change made together reach them as one mail: the reply
        _mail(ticket, key=f"status:{change.event.pk}:email:{ticket.requester.email}", template="ticket_status",
              new_status=Status(data["new"]).label, new_status_code=data["new"])


def _replied_just_now(ticket, event) -> bool:
    from datetime import timedelta

    from notifications.models import Notification

    return Notification.objects.filter(ticket=ticket, template="ticket_reply", recipient=ticket.requester.email,
                                       created_at__gte=event.created_at - timedelta(seconds=60)).exists()


SUBSCRIPTIONS = {
    "email_intake.receipts_mail": (receipts_mail, (EventKind.CREATED,)),
    "email_intake.staff_replies_mail": (staff_replies_mail, (EventKind.REPLIED,)),
    "email_intake.status_changes_mail": (status_changes_mail, (EventKind.STATUS_CHANGED,)),
}
REPLY_EVENTS = (EventKind.REPLIED,)

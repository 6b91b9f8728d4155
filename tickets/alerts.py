"""Staff hear of new tickets: P1/P2 at once, P3/P4 in an hourly digest, each by the queue's people.

The guide's queues: the priority queue (Enterprise) is worked by senior engineers, the standard
one by support engineers; an organisation's dedicated engineer hears of its urgent tickets too.
The immediate alert is a subscriber to ticket events (wired in TicketsConfig.ready), so it is
written in the ticket's transaction; the digest is a beat task, idempotent per queue and hour.
"""
from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model

from accounts.roles import SENIOR_ENGINEER, SUPPORT_ENGINEER
from notifications.services import notification_enqueue_many, ticket_context

from .models import Queue, SeverityCode, Ticket

URGENT = (SeverityCode.P1, SeverityCode.P2)
QUEUE_ROLES = {Queue.PRIORITY: SENIOR_ENGINEER, Queue.STANDARD: SUPPORT_ENGINEER}


def queue_people(queue: str) -> list[str]:
    """Emails of the active staff who work a queue."""
    return sorted(get_user_model().objects.filter(is_staff=True, is_active=True, groups__name=QUEUE_ROLES[queue])
                  .exclude(email="").values_list("email", flat=True).distinct())


def urgent_tickets_alert(changes) -> None:
    specs = []
    people: dict[str, list[str]] = {}
    for change in changes:
        ticket = change.ticket
        if ticket.severity not in URGENT:
            continue
        recipients = set(people.setdefault(ticket.queue, queue_people(ticket.queue)))
        engineer = ticket.organization.support_engineer if ticket.organization.support_engineer_id else None
        if engineer is not None and engineer.email and engineer.is_active:
            recipients.add(engineer.email)
        context = ticket_context(ticket, via=change.event.data.get("channel", ticket.channel),
                                 queue=Queue(ticket.queue).label.lower())
        specs += [{"key": f"new_ticket:{ticket.pk}:email:{email}", "channel": "email", "recipient": email,
                   "template": "new_ticket", "context": context, "ticket_id": ticket.pk}
                  for email in sorted(recipients)]
    notification_enqueue_many(specs)


def new_tickets_digest(*, hour_end) -> int:
    """One mail per queue member listing the P3/P4 tickets opened in the hour before `hour_end`
    (a whole hour, UTC). Returns how many mails were queued; a second run for the same hour
    queues none (the keys)."""
    from common.links import absolute_url

    since = hour_end - timedelta(hours=1)
    tickets = (Ticket.objects.filter(created_at__gte=since, created_at__lt=hour_end,
                                     severity__in=[SeverityCode.P3, SeverityCode.P4])
               .select_related("organization").order_by("queue", "severity", "pk"))
    by_queue: dict[str, list[dict]] = {}
    for t in tickets:
        by_queue.setdefault(t.queue, []).append({
            "id": t.pk, "severity": t.severity, "subject": t.subject, "organization": t.organization.name,
            "admin_url": absolute_url("admin:tickets_ticket_change", t.pk)})
    specs = []
    for queue, rows in by_queue.items():
        context = {"queue": Queue(queue).label.lower(), "since": since.strftime("%Y-%m-%d %H:%M"), "tickets": rows}
        specs += [{"key": f"digest:{queue}:{since:%Y%m%d%H}:email:{email}", "channel": "email", "recipient": email,
                   "template": "new_ticket_digest", "context": context}
                  for email in queue_people(queue)]
    return notification_enqueue_many(specs)

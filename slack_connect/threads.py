"""Keeping each ticket's Slack posts in one thread, at send time (notifications.signals).

A thread's ts is Slack's answer to the first post, so it is known only once that post went
out. The first post about a ticket in a channel starts the thread; any later post waits
(a failed attempt, retried by the outbox's backoff) until the thread is known, so two posts
sent at once by two workers never start two threads.
"""
from __future__ import annotations

from django.db import IntegrityError, transaction
from django.dispatch import receiver

from notifications.models import Notification, NotificationChannel, NotificationStatus
from notifications.signals import before_send, sent

from .models import SlackThread
from notifications.signals import THREAD_TICKET


class ThreadNotReady(Exception):
    """An earlier post about this ticket is starting its thread; this one follows it there."""


def _ticket_id(notification: Notification) -> int | None:
    if notification.channel != NotificationChannel.SLACK:
        return None
    return notification.context.get(THREAD_TICKET)


def thread_ts(ticket_id: int, channel: str) -> str | None:
    return (SlackThread.objects.filter(ticket_id=ticket_id, channel=channel).order_by("pk")
            .values_list("thread_ts", flat=True).first())


def _starter(notification: Notification, ticket_id: int) -> Notification | None:
    """The post that starts the ticket's thread here: the earliest threaded one not failed."""
    return (Notification.objects.filter(ticket_id=ticket_id, channel=NotificationChannel.SLACK,
                                        recipient=notification.recipient, **{f"context__{THREAD_TICKET}": ticket_id})
            .exclude(status=NotificationStatus.FAILED).order_by("pk").only("pk", "status").first())


@receiver(before_send, dispatch_uid="slack_connect.thread_before_send")
def _join_thread(sender, notification: Notification, **kwargs):
    ticket_id = _ticket_id(notification)
    if ticket_id is None:
        return
    ts = thread_ts(ticket_id, notification.recipient)
    if ts:
        notification.context["slack_thread_ts"] = ts
        return
    starter = _starter(notification, ticket_id)
    # A starter that was sent without giving a ts leaves no thread to wait for: post at the top.
    if starter is not None and starter.pk != notification.pk and starter.status != NotificationStatus.SENT:
        raise ThreadNotReady(f"waiting for notification {starter.pk} to start the ticket's Slack thread")


@receiver(sent, dispatch_uid="slack_connect.thread_sent")
def _record_thread(sender, notification: Notification, provider_id, **kwargs):
    ticket_id = _ticket_id(notification)
    if ticket_id is None or notification.context.get("slack_thread_ts") or not provider_id:
        return
    try:
        with transaction.atomic():
            SlackThread.objects.get_or_create(channel=notification.recipient, thread_ts=str(provider_id),
                                              defaults={"ticket_id": ticket_id})
    except IntegrityError:
        pass  # recorded by a concurrent resend of the same post

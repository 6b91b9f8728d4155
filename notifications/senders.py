"""One sender per channel. Each takes a claimed Notification, delivers it or raises, and returns
the provider's id for the message. No database access here: the outbox records the outcome."""
from __future__ import annotations

import json
import urllib.request

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.utils.crypto import salted_hmac

from .models import Notification, NotificationChannel


class NotConfigured(Exception):
    """The channel has no credentials or endpoint; the attempt fails and is retried later."""


# Headers a notification may carry in its context: threading (ticket mail to customers), so a
# reply finds its ticket (Reply-To with the ticket token, References to the customer's mail), and
# one-click unsubscribe (RFC 8058) for status-page subscribers.
THREAD_HEADERS = ("Reply-To", "References", "In-Reply-To", "List-Unsubscribe", "List-Unsubscribe-Post")


def _thread_headers(context: dict) -> dict:
    wanted = context.get("email_headers") or {}
    # A header value never carries a line break: no header injection through a context.
    return {name: " ".join(str(wanted[name]).split()) for name in THREAD_HEADERS if wanted.get(name)}


def send_email(notification: Notification) -> str:
    msg_id = message_id(notification.key)
    message = EmailMultiAlternatives(
        subject=notification.subject,
        body=notification.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.recipient],
        headers={"Message-ID": msg_id, **_thread_headers(notification.context)},
        connection=get_connection(fail_silently=False),
    )
    if notification.body_html:
        message.attach_alternative(notification.body_html, "text/html")
    if notification.context.get("ics"):  # a calendar invitation (video calls): calendars act on it
        message.attach("invite.ics", notification.context["ics"], "text/calendar; method=REQUEST")
    message.send()
    return msg_id


def send_slack(notification: Notification) -> str:
    from slack_sdk import WebClient

    if not settings.SLACK_BOT_TOKEN:
        raise NotConfigured("SLACK_BOT_TOKEN is not set.")
    client = WebClient(token=settings.SLACK_BOT_TOKEN, base_url=settings.SLACK_API_BASE_URL,
                       timeout=settings.NOTIFICATION_SEND_TIMEOUT)
    # A reply in a thread when the context names one (slack_connect keeps a ticket in one thread).
    thread = {"thread_ts": notification.context["slack_thread_ts"]} if notification.context.get("slack_thread_ts") else {}
    # Raises SlackApiError on "ok": false (channel_not_found, not_in_channel, ratelimited, ...).
    response = client.chat_postMessage(channel=notification.recipient, text=notification.body_text,
                                       unfurl_links=False, **thread)
    return response.get("ts") or ""


def send_pager(notification: Notification) -> str:
    if not settings.PAGER_WEBHOOK_URL:
        raise NotConfigured("PAGER_WEBHOOK_URL is not set.")
    payload = {
        "routing_key": notification.recipient,
        # The receiver folds a repeat of the same key into one incident.
        "dedup_key": notification.key,
        "summary": notification.subject[:1024],
        "severity": "critical",
        "details": notification.body_text,
    }
    request = urllib.request.Request(
        settings.PAGER_WEBHOOK_URL, data=json.dumps(payload).encode(), method="POST",
        headers={"Content-Type": "application/json", "Accept": "application/json"},
    )
    # urlopen raises HTTPError for 4xx/5xx and URLError for connection failures and timeouts.
    with urllib.request.urlopen(request, timeout=settings.NOTIFICATION_SEND_TIMEOUT) as response:
        body = response.read(65536)
    try:
        answer = json.loads(body or b"{}")
    except ValueError:
        answer = {}
    return str(answer.get("dedup_key") or notification.key) if isinstance(answer, dict) else notification.key


SENDERS = {
    NotificationChannel.EMAIL: send_email,
    NotificationChannel.SLACK: send_slack,
    NotificationChannel.PAGER: send_pager,
}


def send(notification: Notification) -> str:
    return SENDERS[notification.channel](notification)


def message_id(key: str) -> str:
    """A stable Message-ID for an outbox key: a retry of the row sends the same id, so a resend
    is recognisably the same message.

    A MAC of the key under SECRET_KEY, not a plain hash: inbound mail that names one of our
    Message-IDs in References threads onto its ticket, and keys are guessable ("reply:<message
    pk>:email:<address>"), so a hash of one would let anyone name the id of mail they never saw.
    SECRET_KEY rotation changes the id of a row not yet sent; threading reads the id stored
    as the row's provider_id when it was sent."""
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(" >") or "localhost"
    mac = salted_hmac("notifications.message_id", key, algorithm="sha256").hexdigest()[:32]
    return f"<notification.{mac}@{domain}>"

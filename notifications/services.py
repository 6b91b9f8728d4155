"""Writes to the notifications outbox.

The flow (DESIGN.md, "The core flow" 4):

1. ``notification_enqueue`` (one message) or ``notification_enqueue_many`` (a batch, for the
   SLA sweep) is called inside the transaction that records an event (an SLA warning or
   breach, an escalation step). It renders the message and inserts one row per idempotency
   key; after commit it asks Celery to send it. If the broker is down, the row simply stays
   queued.
2. ``notification_send`` (task ``send_notification``) claims the row with a conditional UPDATE
   and a lease, talks to the provider outside any transaction, then records sent, or schedules
   a retry with exponential backoff, or gives up as failed after NOTIFICATION_MAX_ATTEMPTS.
3. ``notification_flush`` (task ``flush_outbox``, every 30 s from beat) dispatches the rows that
   are due: queued ones whose time has come (including any whose dispatch was lost) and
   sending ones whose sender died (lease expired).

A notification is therefore never lost. It is sent at most once, except when a worker dies
after the provider accepted the message and before the row was marked sent: then it is re-sent
when the lease expires. Email and pager receivers can recognise such a repeat by its Message-ID
and dedup_key, both derived from the key.

Templates
---------
``templates/notifications/<template>.subject.txt``, ``<template>.txt`` and ``<template>.html``.
Email sends the text and the HTML part; Slack and the pager send the text (values are escaped
for Slack, so a ticket subject cannot mention ``<!channel>``). Contexts are plain JSON values;
``ticket_context(ticket, **extra)`` builds the ticket keys (the same keys as
``tickets.sla.notify``). Keys the templates read:

every template (from ``ticket_context``)
    ticket_id, subject (the ticket's), severity ("P1"), organization (name), account_id,
    tier (name), status, escalation_level, portal_url (the customer's ticket page),
    admin_url (the staff back-office page).
    audience: "staff" (default) or "customer". Customer messages get customer wording and the
    portal link; staff messages get the back-office link. Set it for every spec whose
    recipient is a customer (the requester's email, the organisation's Slack Connect channel).
    contact_name: optional greeting.
``sla_warning``, ``sla_breach``
    clock ("ack", "response" or "resolution"), due_at (ISO 8601).
``escalation``
    level (number), level_title, trigger ("elapsed", "p1_not_acknowledged", "p1_not_resolved",
    "customer_request", "systemic"), reason (optional).
``test_message``
    nothing required; optional contact_name, sent_by, portal_url.

Keys are ``<event>:<ticket id>:<clock or level>:<channel>:<recipient>``, e.g.
``sla_breach:42:response:email:am@example.com``: one message per event per recipient.
"""
from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, close_old_connections, connection, transaction
from django.db.models import F, Q
from django.template import Context, TemplateDoesNotExist
from django.template.loader import get_template
from django.utils import timezone

from common.links import absolute_url

from .models import Notification, NotificationChannel, NotificationStatus

logger = logging.getLogger(__name__)

QUEUED, SENDING, SENT, FAILED = (NotificationStatus.QUEUED, NotificationStatus.SENDING, NotificationStatus.SENT,
                                 NotificationStatus.FAILED)
# Publishing after commit must not hold up the request that committed: fail fast, flush retries.
TEMPLATE_NAME = re.compile(r"[a-z0-9_]+")
DISPATCH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}


# --- rendering -----------------------------------------------------------------------------------

def ticket_context(ticket, **extra) -> dict:
    """The ticket part of a template context, as plain values (see the module docstring).

    Datetimes in `extra` become ISO 8601 strings."""
    organization = ticket.organization
    return {
        "ticket_id": ticket.pk,
        "subject": ticket.subject,
        "severity": ticket.severity,
        "organization": organization.name,
        "account_id": organization.account_id,
        "tier": organization.tier.name,
        "status": ticket.status,
        "escalation_level": getattr(ticket, "escalation_level", None),
        "portal_url": absolute_url("portal:ticket", ticket.pk),
        "admin_url": absolute_url("admin:tickets_ticket_change", ticket.pk),
        **{k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in extra.items()},
    }


def slack_escape(value):
    # Slack reads <...> as links and mentions ("<!channel>"): a ticket subject must not ping anyone.
    if isinstance(value, str):
        return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if isinstance(value, dict):
        return {k: slack_escape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [slack_escape(v) for v in value]
    return value


def _render_plain(name: str, context: dict) -> str:
    # Plain text is not HTML: no autoescaping, or "R&D" would arrive as "R&amp;D".
    return get_template(name).template.render(Context(context, autoescape=False))


def render(*, channel: str, template: str, context: dict) -> tuple[str, str, str]:
    """(subject, body_text, body_html) of a template for a channel; body_html only for email."""
    base = f"notifications/{template}"
    text_context = slack_escape(context) if channel == NotificationChannel.SLACK else context
    try:
        # One line, whatever the template's whitespace: a header cannot carry a newline.
        subject = " ".join(_render_plain(f"{base}.subject.txt", context).split())
        body_text = _render_plain(f"{base}.txt", text_context).strip() + "\n"
        body_html = get_template(f"{base}.html").render(context) if channel == NotificationChannel.EMAIL else ""
    except TemplateDoesNotExist as exc:
        raise ValidationError({"template": f"No notification template {exc}."}) from exc
    return subject[:255], body_text, body_html


# --- enqueue -------------------------------------------------------------------------------------

def _clean(*, key, channel, recipient, template, context) -> dict:
    errors = {}
    if not key or len(key) > 255:
        errors["key"] = "A key of 1 to 255 characters is required."
    if channel not in NotificationChannel.values:
        errors["channel"] = f"Unknown channel {channel!r}; use one of {', '.join(NotificationChannel.values)}."
    if not recipient or len(recipient) > 255:
        errors["recipient"] = f"A recipient of 1 to 255 characters is required (key {key!r})."
    if not template or not TEMPLATE_NAME.fullmatch(template):
        errors["template"] = f"A template name of lowercase letters, digits and _ is required, not {template!r}."
    try:
        # Round-tripped, so the row holds exactly what a reader of the JSON column will get.
        context = json.loads(json.dumps(context if context is not None else {}))
    except (TypeError, ValueError) as exc:
        errors["context"] = f"The context must be plain JSON values: {exc}."
    if errors:
        raise ValidationError(errors)
    return {"key": key, "channel": channel, "recipient": recipient, "template": template, "context": context}


def notification_enqueue(
    *, key: str, channel: str, recipient: str, template: str, context: dict, ticket=None,
) -> Notification | None:
    """Add a message to the outbox, in the caller's transaction; it is sent after commit.

    Returns the new row, or None when a row with this key exists already (the event was
    notified before, or a concurrent transaction did it): enqueueing is idempotent.
    Raises ValidationError for an unknown channel or template, or a context that is not JSON.
    """
    values = _clean(key=key, channel=channel, recipient=recipient, template=template, context=context)
    if Notification.objects.filter(key=key).exists():
        return None
    subject, body_text, body_html = render(channel=channel, template=template, context=values["context"])
    try:
        # A savepoint, so a lost race leaves the caller's transaction usable. A concurrent
        # insert of the same key waits for the other transaction and then fails here.
        with transaction.atomic():
            notification = Notification.objects.create(
                **values, subject=subject, body_text=body_text, body_html=body_html, ticket=ticket)
    except IntegrityError:
        if Notification.objects.filter(key=key).exists():
            return None
        raise
    transaction.on_commit(lambda: dispatch([notification.pk]), robust=True)
    return notification


def _spec_values(spec) -> tuple[dict, int | None]:
    get = spec.get if isinstance(spec, Mapping) else (lambda name, default=None: getattr(spec, name, default))
    ticket = get("ticket")
    ticket_id = ticket.pk if ticket is not None else get("ticket_id")
    values = _clean(key=get("key"), channel=get("channel"), recipient=get("recipient"),
                    template=get("template"), context=get("context"))
    return values, ticket_id


def _chunks(items: list, size: int = 1000):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def notification_enqueue_many(specs: Iterable) -> int:
    """The batch form of notification_enqueue, for the SLA sweep: a few queries per 1,000 specs.

    Each spec is a mapping or an object with key, channel, recipient, template, context and
    ticket_id (or ticket). Keys that exist already, or repeat within the call, are skipped.
    Returns how many new rows will be sent. Call it inside the event's transaction, like the
    single form; an invalid spec raises ValidationError and so rolls the event back.
    """
    wanted: dict[str, tuple[dict, int | None]] = {}
    for spec in specs:
        values, ticket_id = _spec_values(spec)
        wanted.setdefault(values["key"], (values, ticket_id))
    if not wanted:
        return 0
    existing = set()
    for chunk in _chunks(list(wanted)):
        existing.update(Notification.objects.filter(key__in=chunk).values_list("key", flat=True))

    rows = []
    checked: set[str] = set()
    for key, (values, ticket_id) in wanted.items():
        if key in existing:
            continue
        if values["template"] not in checked:  # a wrong template name still fails in the transaction
            _check_template(values["template"])
            checked.add(values["template"])
        # Rendered by the sender, from the context frozen here: rendering thousands of messages
        # inside the sweep's transaction cost more than the sweep itself (bench/sla_sweep.py).
        rows.append(Notification(**values, subject="", body_text="", body_html="", ticket_id=ticket_id))
    if not rows:
        return 0
    # ON CONFLICT DO NOTHING: a concurrent transaction inserting the same key makes this one
    # wait for it, then skip the row. Neither transaction fails.
    Notification.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    ids = []
    for chunk in _chunks([row.key for row in rows]):
        # May include a row a concurrent transaction just added: dispatching it too is harmless.
        ids += Notification.objects.filter(key__in=chunk, status=QUEUED).values_list("pk", flat=True)
    if ids:
        transaction.on_commit(lambda: dispatch(ids), robust=True)
    return len(ids)


def _check_template(template: str) -> None:
    try:
        get_template(f"notifications/{template}.txt")
    except TemplateDoesNotExist as exc:
        raise ValidationError({"template": f"No notification template {exc}."}) from exc


# Ids per published send task: one message per row cost the sweep 1 ms each (4,000 for a sweep
# of 1,000 breaches); a chunk keeps workers parallel without paying that per row.
DISPATCH_CHUNK = 25


def dispatch(notification_ids) -> int:
    """Publish send tasks; returns how many rows they cover. Never raises for a broker outage:
    the rows stay due and the next flush publishes them again."""
    from .tasks import send_notification, send_notifications

    notification_ids = list(notification_ids)
    published = 0
    for start in range(0, len(notification_ids), DISPATCH_CHUNK):
        chunk = notification_ids[start:start + DISPATCH_CHUNK]
        task, args = (send_notification, [chunk[0]]) if len(chunk) == 1 else (send_notifications, [chunk])
        try:
            task.apply_async(
                args=args, queue=settings.NOTIFICATION_QUEUE or None,
                retry=True, retry_policy=DISPATCH_RETRY_POLICY,
            )
        except Exception as exc:  # kombu, redis-py and socket errors all mean "broker unreachable"
            logger.warning("notifications: broker unreachable (%s: %s); %d notification(s) left queued for the "
                           "outbox flush", type(exc).__name__, exc, len(notification_ids) - published)
            break
        published += len(chunk)
    return published


# --- sending -------------------------------------------------------------------------------------

def _claim(notification_id: int) -> Notification | None:
    now = timezone.now()
    claimable = Q(status=QUEUED) | Q(status=SENDING, lease_expires_at__lte=now)
    claimed = (
        Notification.objects.filter(claimable, pk=notification_id, attempts__lt=settings.NOTIFICATION_MAX_ATTEMPTS)
        .update(status=SENDING, lease_expires_at=now + timedelta(seconds=settings.NOTIFICATION_LEASE_SECONDS),
                attempts=F("attempts") + 1)
    )
    if not claimed:
        return None  # sent, failed, or another worker holds a live lease
    return Notification.objects.get(pk=notification_id)


def backoff_seconds(attempts: int) -> int:
    """Wait before the next attempt after `attempts` failed ones: 30 s, 60 s, 2 min, ... capped."""
    base, cap = settings.NOTIFICATION_BACKOFF_SECONDS, settings.NOTIFICATION_BACKOFF_MAX_SECONDS
    return min(cap, base * 2 ** max(0, attempts - 1))


def _persist(update) -> int:
    # The provider has been called: losing the outcome to a database blip would mean a resend
    # when the lease expires. Reconnect and try again a few times before giving up.
    for delay in (0.5, 1, 2, None):
        try:
            return update()
        except DatabaseError:
            if delay is None or connection.in_atomic_block:
                raise
            logger.warning("notifications: recording a send outcome failed; retrying", exc_info=True)
            time.sleep(delay)
            close_old_connections()
    return 0


def notification_send(notification_id: int) -> str:
    """Send one notification if it can be claimed. Returns "sent", "retry", "failed" or "skipped".

    Runs in autocommit: no transaction is held open while the provider is called.
    """
    from . import senders, signals

    notification = _claim(notification_id)
    if notification is None:
        return "skipped"
    try:
        if not notification.body_text:  # enqueued in a batch: render now, from the frozen context
            notification.subject, notification.body_text, notification.body_html = render(
                channel=notification.channel, template=notification.template, context=notification.context)
            _persist(lambda: Notification.objects.filter(pk=notification.pk).update(
                subject=notification.subject, body_text=notification.body_text, body_html=notification.body_html))
        signals.before_send.send(sender=Notification, notification=notification)
        provider_id = senders.send(notification)
    except Exception as exc:  # any provider error is a failed attempt; the outbox decides what next
        return _record_failure(notification, exc)
    now = timezone.now()
    updated = _persist(lambda: Notification.objects.filter(pk=notification.pk).exclude(status=SENT).update(
        status=SENT, sent_at=now, provider_id=str(provider_id or "")[:255], lease_expires_at=None, last_error=""))
    if not updated:
        logger.warning("notifications: %s was already sent by another worker", notification.key)
    for receiver, error in signals.sent.send_robust(sender=Notification, notification=notification,
                                                     provider_id=provider_id):
        if isinstance(error, Exception):
            logger.error("notifications: after sending %s, %r failed: %s", notification.key, receiver, error)
    return "sent"


def _record_failure(notification: Notification, exc: Exception) -> str:
    now = timezone.now()
    error = f"{now:%Y-%m-%d %H:%M:%S} attempt {notification.attempts}: {type(exc).__name__}: {exc}"[:2000]
    if notification.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
        changes = {"status": FAILED, "lease_expires_at": None, "last_error": error}
        outcome = "failed"
        logger.error("notifications: %s failed after %d attempts: %s", notification.key, notification.attempts, exc)
    else:
        changes = {"status": QUEUED, "lease_expires_at": None, "last_error": error,
                   "next_attempt_at": now + timedelta(seconds=backoff_seconds(notification.attempts))}
        outcome = "retry"
        logger.warning("notifications: %s attempt %d failed: %s", notification.key, notification.attempts, exc)
    # Only our own claim: if the lease expired and another worker took the row, its outcome stands.
    _persist(lambda: Notification.objects.filter(
        pk=notification.pk, status=SENDING, attempts=notification.attempts).update(**changes))
    return outcome


# --- flush and retry -----------------------------------------------------------------------------

def notification_flush(*, limit: int | None = None) -> int:
    """Dispatch what is due: queued rows whose time has come, and rows whose sender died.

    Both reads are index range scans on partial indexes, so the cost grows with what is due,
    not with the size of the outbox. Returns how many sends were dispatched.
    """
    limit = limit or settings.NOTIFICATION_FLUSH_BATCH
    now = timezone.now()
    lease = timedelta(seconds=settings.NOTIFICATION_LEASE_SECONDS)

    # A sender died during the last allowed attempt: give up visibly rather than retry forever.
    Notification.objects.filter(
        status=SENDING, lease_expires_at__lte=now, attempts__gte=settings.NOTIFICATION_MAX_ATTEMPTS,
    ).update(status=FAILED, lease_expires_at=None,
             last_error=f"{now:%Y-%m-%d %H:%M:%S} the sender was lost during the last attempt (lease expired)")

    with transaction.atomic():
        # skip_locked: two flushes at once (two beats, a slow one) share the work, not double it.
        expired = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(status=SENDING, lease_expires_at__lte=now)
            .order_by("lease_expires_at").values_list("pk", flat=True)[:limit]
        )
        due = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(status=QUEUED, next_attempt_at__lte=now)
            .order_by("next_attempt_at").values_list("pk", flat=True)[:limit - len(expired)]
        )
        # Not due again for a lease: while its task waits in the broker, the next flush (30 s
        # later) does not publish it again. If the message is lost, the row is due again then.
        Notification.objects.filter(pk__in=due).update(next_attempt_at=now + lease)

    ids = expired + due
    published = dispatch(ids)
    if published < len(ids):
        # The broker is down: make the rest due at once, so the first flush after it returns sends them.
        Notification.objects.filter(pk__in=ids[published:], status=QUEUED).update(next_attempt_at=now)
    return published


@transaction.atomic
def notification_retry(*, notification_ids) -> int:
    """Re-queue failed or queued rows to be sent now, with a fresh budget of attempts.

    Rows being sent or already sent are left alone. Returns how many rows were re-queued.
    """
    ids = list(
        Notification.objects.select_for_update()
        .filter(pk__in=list(notification_ids), status__in=[QUEUED, FAILED]).values_list("pk", flat=True)
    )
    if ids:
        Notification.objects.filter(pk__in=ids).update(
            status=QUEUED, attempts=0, next_attempt_at=timezone.now(), lease_expires_at=None)
        transaction.on_commit(lambda: dispatch(ids), robust=True)
    return len(ids)


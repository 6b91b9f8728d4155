"""Placing inbound mail: store it raw first, then open a ticket, add a reply, hold, or quarantine.

Nothing is lost: the raw bytes are written before anything is parsed, and a message that
cannot be parsed or placed stays in the quarantine (admin: reprocess or discard).
"""
from __future__ import annotations

import logging
import re

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction

from accounts.models import Organization
from notifications.services import notification_enqueue
from tickets import services as tickets
from tickets.models import Channel, Environment, SeverityCode, Status, Ticket

from .models import InboundEmail, Outcome
from .parsing import EmailParseError, ParsedEmail, parse_email
from tickets.mail_tokens import ticket_id_from_token

logger = logging.getLogger(__name__)

# Guide: mail without [P1]..[P4] in the subject is filed as P3 (medium): high enough to be
# answered within its targets, without paging anyone on a guess. Staff can change it.
DEFAULT_SEVERITY = SeverityCode.P3


def email_ingest(raw: bytes, *, mailbox: str) -> InboundEmail:
    """Store one message and place it. Returns its InboundEmail (an existing one for a repeat)."""
    try:
        parsed = parse_email(raw, max_attachment_bytes=settings.ATTACHMENT_MAX_BYTES)
    except EmailParseError as exc:
        parsed = exc
    # One transaction (one commit: half the cost per message in bench/email_ingest.py). Nothing
    # is lost if it never commits: the poller marks mail only after this returns, and the
    # command can be run again; the raw file is written first in any case.
    with transaction.atomic():
        stored = _store(raw, mailbox=mailbox, parsed=None if isinstance(parsed, Exception) else parsed)
        if stored.outcome != Outcome.RECEIVED:
            return stored  # the same Message-ID was placed before
        return email_place(stored, parsed=parsed)


def _store(raw: bytes, *, mailbox: str, parsed: ParsedEmail | None) -> InboundEmail:
    message_id = (parsed.message_id or "")[:998] if parsed else ""
    if message_id:
        existing = InboundEmail.objects.filter(message_id=message_id).first()
        if existing:
            return existing
    inbound = InboundEmail(mailbox=mailbox, size=len(raw), message_id=message_id,
                           from_address=(parsed.from_address if parsed else "")[:320],
                           subject=(parsed.subject if parsed else "")[:998])
    inbound.raw.save("message.eml", ContentFile(raw), save=False)
    try:
        with transaction.atomic():
            inbound.save()
    except IntegrityError:  # a concurrent poll stored the same Message-ID first
        inbound.raw.delete(save=False)
        return InboundEmail.objects.get(message_id=message_id)
    return inbound


def email_place(inbound: InboundEmail, *, actor=None, parsed=None) -> InboundEmail:
    """Decide what the stored message becomes. Safe to call again (reprocess from quarantine).

    `parsed` is the ParsedEmail (or EmailParseError) of the ingest that just stored it; a
    reprocess reads the raw bytes again.
    """
    if parsed is None:
        with inbound.raw.open("rb") as handle:
            raw = handle.read()
        try:
            parsed = parse_email(raw, max_attachment_bytes=settings.ATTACHMENT_MAX_BYTES)
        except EmailParseError as exc:
            parsed = exc
    if isinstance(parsed, EmailParseError):
        return _finish(inbound, Outcome.QUARANTINED, f"Unreadable message: {parsed}", actor=actor)
    if parsed.auto_reason:
        # Auto-replies and bounces never open tickets and are never answered: no mail loops.
        return _finish(inbound, Outcome.AUTO_IGNORED, parsed.auto_reason, actor=actor)
    try:
        with transaction.atomic():
            return _place(inbound, parsed, actor=actor)
    except (ValidationError, PermissionDenied) as exc:
        return _finish(inbound, Outcome.QUARANTINED, "; ".join(getattr(exc, "messages", [str(exc)])), actor=actor)
    except Exception as exc:
        # A bug must not turn one message into a poison pill the poller fetches forever:
        # quarantine it with the error, keep the raw bytes, and let staff reprocess it later.
        logger.exception("email intake: placing message %s failed", inbound.pk)
        return _finish(inbound, Outcome.QUARANTINED, f"Internal error while placing: {type(exc).__name__}: {exc}",
                       actor=actor)


def _finish(inbound, outcome, reason="", *, ticket=None, organization=None, actor=None) -> InboundEmail:
    inbound.outcome, inbound.reason = outcome, reason[:5000]
    inbound.ticket = ticket or inbound.ticket
    inbound.organization = organization or inbound.organization
    inbound.processed_by = actor or inbound.processed_by
    inbound.save(update_fields=["outcome", "reason", "ticket", "organization", "processed_by"])
    return inbound


def _sender(parsed: ParsedEmail):
    if not parsed.from_address:
        return None
    return (get_user_model().objects.select_related("organization__tier")
            .filter(email__iexact=parsed.from_address, is_active=True, organization__isnull=False).first())


def _thread(parsed: ParsedEmail) -> Ticket | None:
    """The ticket this mail replies to: by ticket token, else by the Message-IDs we sent."""
    ticket_id = ticket_id_from_token(parsed.ticket_token)
    if ticket_id:
        return Ticket.objects.select_related("organization__tier").filter(pk=ticket_id).first()
    ids = [i for i in (*parsed.in_reply_to, *parsed.references) if i]
    if ids:
        from notifications.models import Notification

        sent = Notification.objects.filter(channel="email", provider_id__in=ids, ticket__isnull=False).first()
        if sent:
            return Ticket.objects.select_related("organization__tier").get(pk=sent.ticket_id)
        earlier = InboundEmail.objects.filter(message_id__in=ids, ticket__isnull=False).first()
        if earlier:
            return Ticket.objects.select_related("organization__tier").get(pk=earlier.ticket_id)
    return None


def _place(inbound: InboundEmail, parsed: ParsedEmail, *, actor) -> InboundEmail:
    sender = _sender(parsed)
    ticket = _thread(parsed)
    if ticket is not None:
        if sender is None or sender.organization_id != ticket.organization_id:
            # Only the ticket's people post into it: a forged From or a forwarded thread is held.
            return _finish(inbound, Outcome.HELD, f"Reply to ticket #{ticket.pk} from someone outside "
                           f"{ticket.organization.name}: held for staff to check.",
                           organization=ticket.organization, actor=actor)
        if ticket.status == Status.CLOSED:
            return _finish(inbound, Outcome.HELD, f"Reply to closed ticket #{ticket.pk}: held for staff.",
                           ticket=ticket, actor=actor)
        message = tickets.message_create(ticket=ticket, author=sender, body=parsed.reply_text or parsed.text)
        _attach(ticket, sender, parsed, message=message)
        return _finish(inbound, Outcome.REPLY_ADDED, ticket=ticket, organization=ticket.organization, actor=actor)

    if sender is None:
        account_id = parsed.fields.get("account_id", "")
        organization = Organization.objects.select_related("tier").filter(account_id=account_id).first()
        if organization is None:
            return _finish(inbound, Outcome.QUARANTINED, "Unknown sender and no valid Account ID in the message.",
                           actor=actor)
        if not organization.tier.ticket_portal:
            return _free_tier(inbound, parsed, organization, actor)
        return _finish(inbound, Outcome.HELD, f"Unknown sender {parsed.from_address} names {organization.name}: "
                       "held until staff verify them.", organization=organization, actor=actor)

    organization = sender.organization
    if not organization.tier.ticket_portal:
        return _free_tier(inbound, parsed, organization, actor)
    fields = parsed.fields
    environment = fields.get("environment", "")
    ticket, _ = tickets.ticket_create(
        organization=organization, requester=sender, channel=Channel.EMAIL,
        subject=_clean_subject(parsed.subject) or "(no subject)",
        description=fields.get("description") or parsed.text or "(empty message)",
        severity=parsed.severity or DEFAULT_SEVERITY,
        environment=environment if environment in Environment.values else Environment.PRODUCTION,
        affected_users=fields.get("affected_users", "")[:100],
        business_impact=fields.get("business_impact", ""), already_tried=fields.get("already_tried", ""),
    )
    _attach(ticket, sender, parsed)
    return _finish(inbound, Outcome.TICKET_CREATED, ticket=ticket, organization=organization, actor=actor)


# "Re: [P1] API down" -> "API down": the severity has its own field.
SUBJECT_PREFIX = re.compile(
    r"^\s*(?:(?:re|fwd?|aw|sv)\s*:\s*)*[\[(]?\s*p[1-4]\s*[\])]?\s*[:\-]?\s*", re.IGNORECASE)


def _clean_subject(subject: str) -> str:
    return SUBJECT_PREFIX.sub("", subject).strip()[:200]


def _attach(ticket, sender, parsed: ParsedEmail, message=None) -> None:
    for attachment in parsed.attachments:
        upload = SimpleUploadedFile(attachment.filename, attachment.data, content_type=attachment.content_type)
        tickets.attachment_create(ticket=ticket, uploaded_by=sender, uploaded_file=upload, message=message)
    for filename, size in getattr(parsed, "skipped_attachments", ()):
        logger.info("inbound mail for ticket #%s: attachment %s (%d bytes) over the limit, kept only in the raw "
                    "message", ticket.pk, filename, size)


def _free_tier(inbound, parsed, organization, actor) -> InboundEmail:
    # The guide: Free is supported in the community forums and GitHub issues. One auto-reply
    # per message (keyed by Message-ID or our row), never to an auto-generated message.
    if parsed.from_address:
        notification_enqueue(
            key=f"free_tier_reply:{inbound.message_id or inbound.pk}", channel="email",
            recipient=parsed.from_address, template="free_tier_reply",
            context={"organization": organization.name, "subject": parsed.subject,
                     "channels": organization.tier.channels},
        )
    return _finish(inbound, Outcome.FREE_TIER, "Free tier: answered with the community channels.",
                   organization=organization, actor=actor)


@transaction.atomic
def email_discard(*, inbound: InboundEmail, actor) -> InboundEmail:
    return _finish(inbound, Outcome.DISCARDED, f"Discarded by {actor.get_username()}.", actor=actor)


@transaction.atomic
def email_verify_sender(*, inbound: InboundEmail, actor) -> InboundEmail:
    """Staff vouch for a held sender: they become a member of the named organisation (no
    password: they sign in after a reset) and the message is placed again."""
    if inbound.outcome != Outcome.HELD or inbound.organization_id is None or not inbound.from_address:
        raise ValidationError("Only a held message naming an organisation can be verified.")
    User = get_user_model()
    if User.objects.filter(email__iexact=inbound.from_address).exclude(organization=inbound.organization).exists():
        raise ValidationError(f"{inbound.from_address} already belongs to another organisation.")
    if not User.objects.filter(email__iexact=inbound.from_address, organization=inbound.organization).exists():
        user = User(username=inbound.from_address[:150], email=inbound.from_address,
                    organization=inbound.organization, customer_role="member")
        user.set_unusable_password()
        user.save()
    return email_place(inbound, actor=actor)

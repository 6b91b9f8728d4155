"""Placing inbound mail: store it raw first, then open a ticket, add a reply, hold, or quarantine.

Nothing is lost: the raw bytes are written before anything is placed, and a message that
cannot be parsed or placed stays in the quarantine (admin: reprocess or discard).
"""
from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from contextlib import contextmanager

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile, File
from django.db import IntegrityError, transaction

from accounts.models import Organization
from accounts.selectors import member_by_email
from tickets import services as tickets
from tickets.mail_tokens import ticket_id_from_token
from tickets.models import Channel, Environment, SeverityCode, Status, Ticket
from tickets.selectors import ticket_is_visible_to

from .auto_replies import free_tier_reply
from .models import InboundEmail, Outcome
from .parsing import EmailParseError, ParsedEmail, parse_email, sender_check

logger = logging.getLogger(__name__)

# Guide: mail without [P1]..[P4] in the subject is filed as P3 (medium): high enough to be
# answered within its targets, without paging anyone on a guess. Staff can change it.
DEFAULT_SEVERITY = SeverityCode.P3


def email_ingest_many(raws: Sequence[bytes], *, mailbox: str) -> list[InboundEmail | Exception]:
    """Store and place several messages with one commit: the poller's and the command's way.

    Returns, in order, each message's InboundEmail, or the exception that kept it from being
    stored (the caller leaves that one where it came from, to be fetched again).

    One transaction for the lot spares a commit per message, the WAL flush that was the largest
    single cost of an emailed ticket (bench/email_ingest.py). Anything unusual (a message to
    quarantine, a repeat Message-ID, an error) rolls the lot back, files included, and each
    message is ingested again on its own as email_ingest does: a bad message costs the others
    only time. Keep batches small (batches.py): a batch holds its raw bytes and its locks.
    """
    if len(raws) > 1:
        stored: list = []
        try:
            with transaction.atomic():
                return [_ingest_in_batch(raw, mailbox=mailbox, stored=stored) for raw in raws]
        except Exception:  # noqa: BLE001 - every message is taken again, one by one, below
            _delete_files(stored)
    results: list[InboundEmail | Exception] = []
    for raw in raws:
        try:
            results.append(email_ingest(raw, mailbox=mailbox))
        except Exception as exc:  # noqa: BLE001 - one message's failure is reported, not raised
            results.append(exc)
    return results


def _ingest_in_batch(raw: bytes, *, mailbox: str, stored: list) -> InboundEmail:
    """email_ingest without its transaction and its ways out: a message that would be
    quarantined for failing to place, or is a repeat, raises, and the batch is redone."""
    with _parsed(raw) as parsed:
        inbound = _new_inbound(raw, mailbox=mailbox, parsed=parsed)
        stored.append(inbound.raw)
        _decide(inbound, parsed, actor=None, stored=stored)
        _save(inbound, insert=True)
        return inbound


def email_ingest(raw: bytes, *, mailbox: str) -> InboundEmail:
    """Store one message and place it. Returns its InboundEmail (an existing one for a repeat)."""
    with _parsed(raw) as parsed:
        inbound = _new_inbound(raw, mailbox=mailbox, parsed=parsed)
        try:
            # The row goes in last, with its outcome (one INSERT, no UPDATE); the Message-ID
            # constraint stops a repeat there, and its placement rolls back with it.
            return _place_and_save(inbound, parsed, actor=None, insert=True)
        except IntegrityError:
            existing = inbound.message_id and InboundEmail.objects.filter(message_id=inbound.message_id).first()
            if not existing:
                raise
            inbound.raw.delete(save=False)
            return existing


@contextmanager
def _parsed(raw: bytes):
    """The ParsedEmail (or the EmailParseError) of raw bytes; its attachments' spool files are
    freed on exit."""
    try:
        parsed = parse_email(raw, max_attachment_bytes=settings.ATTACHMENT_MAX_BYTES)
    except EmailParseError as exc:
        yield exc
        return
    with parsed:
        yield parsed


def _new_inbound(raw: bytes, *, mailbox: str, parsed) -> InboundEmail:
    """The message's row, not saved yet, with the raw bytes already in storage."""
    parsed = None if isinstance(parsed, EmailParseError) else parsed
    inbound = InboundEmail(mailbox=mailbox, size=len(raw),
                           message_id=(parsed.message_id or "")[:998] if parsed else "",
                           from_address=(parsed.from_address if parsed else "")[:320],
                           subject=(parsed.subject if parsed else "")[:998])
    inbound.raw.save("message.eml", ContentFile(raw), save=False)
    return inbound


def email_place(inbound: InboundEmail, *, actor=None, parsed=None, sender_verified: bool = False) -> InboundEmail:
    """Decide what the stored message becomes, and save it. Safe to call again (reprocess from
    quarantine); `parsed` is a ParsedEmail or EmailParseError of its bytes, else they are read.
    `sender_verified`: staff vouched for this message's sender, so its authentication results
    no longer hold it."""
    if parsed is None:
        with inbound.raw.open("rb") as handle:
            raw = handle.read()
        with _parsed(raw) as parsed:
            return _place_and_save(inbound, parsed, actor=actor, insert=False, sender_verified=sender_verified)
    return _place_and_save(inbound, parsed, actor=actor, insert=False, sender_verified=sender_verified)


OUTCOME_FIELDS = ["outcome", "reason", "ticket", "organization", "processed_by"]


class _Unplaceable(Exception):
    """Placing failed; its transaction must roll back, and the message is quarantined."""

    def __init__(self, reason: str, *, internal: bool = False):
        super().__init__(reason)
        self.reason, self.internal = reason, internal


def _place_and_save(inbound: InboundEmail, parsed, *, actor, insert: bool,
                    sender_verified: bool = False) -> InboundEmail:
    """Place the message and save its row in one transaction (one commit).

    Nothing is lost if it never commits: the poller marks mail only after ingest returns, the
    command can be run again, and the raw file is written first in any case. If placing fails,
    its transaction rolls back whole (no savepoint to pay for on every message) and the row is
    saved quarantined in a second one.
    """
    stored: list = []  # files the placement wrote: nothing refers to them if it rolls back
    try:
        with transaction.atomic():
            _decide(inbound, parsed, actor=actor, stored=stored, sender_verified=sender_verified)
            _save(inbound, insert=insert)
    except _Unplaceable as unplaceable:
        _delete_files(stored)
        if unplaceable.internal:
            logger.error("email intake: placing message %s failed", inbound.pk or inbound.message_id,
                         exc_info=unplaceable.__cause__)
        _set_outcome(inbound, Outcome.QUARANTINED, unplaceable.reason, actor=actor)
        with transaction.atomic():
            _save(inbound, insert=insert)
    except BaseException:
        _delete_files(stored)
        raise
    return inbound


def _save(inbound: InboundEmail, *, insert: bool) -> None:
    if insert:
        inbound.save(force_insert=True)
    else:
        inbound.save(update_fields=OUTCOME_FIELDS)


def _decide(inbound: InboundEmail, parsed, *, actor, stored: list, sender_verified: bool = False) -> None:
    """Place the message (a ticket, a reply, a hold...) and set its outcome on `inbound`.
    Raises _Unplaceable when that fails; `stored` collects the files it wrote (FieldFiles)."""
    if isinstance(parsed, EmailParseError):
        return _set_outcome(inbound, Outcome.QUARANTINED, f"Unreadable message: {parsed}", actor=actor)
    if parsed.auto_reason:
        # Auto-replies and bounces never open tickets and are never answered: no mail loops.
        return _set_outcome(inbound, Outcome.AUTO_IGNORED, parsed.auto_reason, actor=actor)
    try:
        _place(inbound, parsed, actor=actor, stored=stored, sender_verified=sender_verified)
    except (ValidationError, PermissionDenied) as exc:
        raise _Unplaceable("; ".join(getattr(exc, "messages", [str(exc)]))) from exc
    except Exception as exc:
        # A bug must not turn one message into a poison pill the poller fetches forever:
        # quarantine it with the error, keep the raw bytes, and let staff reprocess it later.
        # Logged where it is quarantined (not in a batch, which takes the message again).
        raise _Unplaceable(f"Internal error while placing: {type(exc).__name__}: {exc}", internal=True) from exc


def _set_outcome(inbound, outcome, reason="", *, ticket=None, organization=None, actor=None) -> None:
    inbound.outcome, inbound.reason = outcome, reason[:5000]
    inbound.ticket = ticket or inbound.ticket
    inbound.organization = organization or inbound.organization
    inbound.processed_by = actor or inbound.processed_by


def _delete_files(files: list) -> None:
    for stored in files:
        stored.delete(save=False)
    files.clear()


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


def _named_organization(parsed: ParsedEmail) -> Organization | None:
    """The organisation whose Account ID the message gives (the guide's format), if any."""
    account_id = parsed.fields.get("account_id", "")
    return Organization.objects.select_related("tier").filter(account_id=account_id).first() if account_id else None


def _unauthenticated(parsed: ParsedEmail) -> str:
    """Why the receiving server's Authentication-Results do not vouch for From ("" if they do).

    With no receiving server configured (EMAIL_AUTHSERV_ID empty) nothing is checked and From
    is taken as written: docs/email.md, "Who sent it"."""
    if not settings.EMAIL_AUTHSERV_ID:
        return ""
    check = sender_check(parsed.authentication_results, authserv_ids=settings.EMAIL_AUTHSERV_ID,
                         from_address=parsed.from_address)
    return "" if check.authenticated else check.reason


def _place(inbound: InboundEmail, parsed: ParsedEmail, *, actor, stored: list, sender_verified: bool = False) -> None:
    if len(parsed.from_addresses) > 1:
        # "First wins" would let anyone put a customer's address after their own (or before it).
        named = ", ".join(a or "(unreadable)" for a in parsed.from_addresses[:10])
        return _set_outcome(inbound, Outcome.QUARANTINED, f"From names {len(parsed.from_addresses)} addresses "
                            f"({named}): a message must have one sender to answer; not placed.", actor=actor)
    sender = member_by_email(parsed.from_address)
    ticket = _thread(parsed)
    if not sender_verified and (unauthenticated := _unauthenticated(parsed)):
        # Held as an unknown sender is: nothing opens, nobody is paged or answered, until staff
        # "verify sender" (which vouches for this message and places it again).
        organization = ((sender.organization if sender else None) or (ticket.organization if ticket else None)
                        or _named_organization(parsed))
        if organization is None:
            return _set_outcome(inbound, Outcome.QUARANTINED, f"Sender not authenticated ({unauthenticated}) "
                                "and no organisation to hold it for.", actor=actor)
        return _set_outcome(inbound, Outcome.HELD, f"Sender {parsed.from_address} not authenticated "
                            f"({unauthenticated}): held until staff verify them.", organization=organization,
                            actor=actor)
    if ticket is not None:
        if sender is None or sender.organization_id != ticket.organization_id:
            # Only the ticket's people post into it: a forged From or a forwarded thread is held.
            return _set_outcome(inbound, Outcome.HELD, f"Reply to ticket #{ticket.pk} from someone outside "
                                f"{ticket.organization.name}: held for staff to check.",
                                organization=ticket.organization, actor=actor)
        if not ticket_is_visible_to(sender, ticket):
            # The portal's rule: a member sees only their own tickets. Their colleague's ticket id
            # and Message-IDs are no key to it (a References header is anyone's to write).
            return _set_outcome(inbound, Outcome.HELD, f"Reply to ticket #{ticket.pk} from {parsed.from_address}, "
                                "who may not see it (a member sees only their own tickets): held for staff to check.",
                                organization=ticket.organization, actor=actor)
        if ticket.status == Status.CLOSED:
            return _set_outcome(inbound, Outcome.HELD, f"Reply to closed ticket #{ticket.pk}: held for staff.",
                                ticket=ticket, actor=actor)
        message = tickets.message_create(ticket=ticket, author=sender, body=parsed.reply_text or parsed.text)
        note = _attach(ticket, sender, parsed, message=message, stored=stored)
        return _set_outcome(inbound, Outcome.REPLY_ADDED, note, ticket=ticket, organization=ticket.organization,
                            actor=actor)

    if sender is None:
        organization = _named_organization(parsed)
        if organization is None:
            return _set_outcome(inbound, Outcome.QUARANTINED, "Unknown sender and no valid Account ID in the message.",
                                actor=actor)
        if not organization.tier.ticket_portal:
            return _free_tier(inbound, parsed, organization, actor, member=False)
        return _set_outcome(inbound, Outcome.HELD, f"Unknown sender {parsed.from_address} names "
                            f"{organization.name}: held until staff verify them.", organization=organization,
                            actor=actor)

    organization = sender.organization
    if not organization.tier.ticket_portal:
        return _free_tier(inbound, parsed, organization, actor, member=True)
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
    note = _attach(ticket, sender, parsed, stored=stored)
    return _set_outcome(inbound, Outcome.TICKET_CREATED, note, ticket=ticket, organization=organization, actor=actor)


# "Re: [P1] API down" -> "API down": the severity has its own field.
SUBJECT_PREFIX = re.compile(
    r"^\s*(?:(?:re|fwd?|aw|sv)\s*:\s*)*[\[(]?\s*p[1-4]\s*[\])]?\s*[:\-]?\s*", re.IGNORECASE)


def _clean_subject(subject: str) -> str:
    return SUBJECT_PREFIX.sub("", subject).strip()[:200]


def _attach(ticket, sender, parsed: ParsedEmail, *, message=None, stored: list) -> str:
    """Attach the message's attachments; returns why any was left out ("" if none was)."""
    left_out = []
    for attachment in parsed.attachments:
        if not attachment.size:
            # An empty file is no attachment; it must not quarantine the mail that carries it.
            left_out.append(f"{attachment.filename} is empty")
            continue
        created = tickets.attachment_create(ticket=ticket, uploaded_by=sender, uploaded_file=_upload(attachment),
                                            message=message)
        stored.append(created.file)
    limit = settings.ATTACHMENT_MAX_BYTES
    for filename, size in parsed.skipped_attachments:
        left_out.append(f"{filename} is {_megabytes(size)}, over the {_megabytes(limit)} limit")
        logger.info("inbound mail for ticket #%s: attachment %s (%d bytes) over the limit, kept only in the raw "
                    "message", ticket.pk, filename, size)
    if not left_out:
        return ""
    return f"Not attached (kept in the raw message): {'; '.join(left_out)}."


def _upload(attachment) -> File:
    """The decoded attachment as a file for storage, which copies it in chunks."""
    upload = File(attachment.file, name=attachment.filename)
    upload.size = attachment.size  # known: spares a seek to the end
    upload.content_type = attachment.content_type
    return upload


def _megabytes(size: int) -> str:
    return f"{size / 1048576:.1f} MB"


def _free_tier(inbound, parsed, organization, actor, *, member: bool) -> None:
    reason = free_tier_reply(inbound=inbound, address=parsed.from_address, organization=organization, member=member)
    _set_outcome(inbound, Outcome.FREE_TIER, reason, organization=organization, actor=actor)


@transaction.atomic
def email_discard(*, inbound: InboundEmail, actor) -> InboundEmail:
    _set_outcome(inbound, Outcome.DISCARDED, f"Discarded by {actor.get_username()}.", actor=actor)
    _save(inbound, insert=False)
    return inbound


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
    # Staff vouch for this message too: authentication results that held it no longer do.
    return email_place(inbound, actor=actor, sender_verified=True)

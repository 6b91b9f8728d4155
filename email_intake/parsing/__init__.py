"""Reading inbound support mail: pure functions, no Django.

`parse_email(raw)` turns the bytes of one message into a `ParsedEmail`: decoded headers, the
best plain text of the body, sanitised HTML, the reply with quoted history trimmed, the
auto-reply/bounce verdict, the ticket token, the severity from the subject, the guide's
"Email Format for Faster Response" sections, and the attachments.

Real-world mail is hostile to strict parsers, so every step degrades instead of failing:
undeclared, unknown or wrong charsets decode with a fallback (never an exception), broken
header lines are repaired, a broken MIME tree still yields its text. The only exception that
leaves `parse_email` is `EmailParseError`, for bytes that are not a message at all; the caller
quarantines those with the raw bytes kept.

Every string returned is free of lone surrogates and NUL characters, so it can be stored in
PostgreSQL as is.
"""
from __future__ import annotations

import re
from email.message import Message

from . import limits
from .authresults import SenderCheck, sender_check
from .auto import _auto_reason
from .fields import parse_support_format, severity_from_subject, ticket_token_from
from .headers import (_PARSER, _Headers, _codec_name, _fix_surrogates, _message_ids, _parse_date, _repair_header_block,
                      decode_bytes)
from .html import html_to_text, sanitize_html
from .limits import MAX_DEPTH, MAX_FILENAME_BYTES, MAX_HTML_NESTING, MAX_PARTS, MAX_STRUCTURED_HEADER  # noqa: F401
from .mime import _Walk, _content_type, _param, _segments_text, _walk, sanitize_filename
from .reply import trim_reply
from .results import Attachment, EmailParseError, ParsedEmail
from .spans import Bodies, skeleton

__all__ = [
    "Attachment",
    "EmailParseError",
    "ParsedEmail",
    "SenderCheck",
    "decode_bytes",
    "html_to_text",
    "parse_email",
    "parse_support_format",
    "sanitize_filename",
    "sanitize_html",
    "sender_check",
    "severity_from_subject",
    "ticket_token_from",
    "trim_reply",
]


# ---------------------------------------------------------------------------------------------
# The whole message

_KNOWN_HEADERS = {
    "from", "to", "cc", "bcc", "subject", "date", "message-id", "received", "return-path", "sender",
    "reply-to", "mime-version", "content-type", "content-transfer-encoding", "in-reply-to",
    "references", "delivered-to", "x-original-to", "envelope-to", "dkim-signature",
    "authentication-results", "arc-seal", "x-mailer", "user-agent", "auto-submitted", "precedence",
}


# Bytes that may appear in a header block: tab, line ends, printable ASCII and 8-bit text.
_TEXT_BYTES = bytes([9, 10, 13, *range(32, 127), *range(128, 256)])


def _message_charset(msg: Message) -> str | None:
    """The charset the sender's client writes in: a hint for raw 8-bit header bytes."""
    for index, part in enumerate(msg.walk()):
        if index > 20:
            break
        charset = _param(part, "charset")
        if charset and _codec_name(charset) not in ("", "ascii", "utf-8"):
            return charset
    return None


def parse_email(raw: bytes, *, max_attachment_bytes: int | None = None) -> ParsedEmail:
    """Read one message. Raises EmailParseError (only) when the bytes are not a message.

    Attachments are decoded into temporary files: close the result (or use it as a context
    manager) when done with them.
    """
    if isinstance(raw, (bytearray, memoryview)):
        raw = bytes(raw)
    if not isinstance(raw, bytes):
        raise TypeError(f"parse_email takes bytes, not {type(raw).__name__}")
    try:
        return _parse(raw, max_attachment_bytes)
    except EmailParseError:
        raise
    except RecursionError as exc:
        raise EmailParseError("MIME structure nested too deeply") from exc
    except Exception as exc:  # noqa: BLE001 - a parser bug must quarantine the message, not crash the poller
        raise EmailParseError(f"unreadable message ({type(exc).__name__}: {exc})"[:500]) from exc


_NOT_SPACE = re.compile(rb"\S")


def _message_start(raw: bytes) -> int:
    """Where the headers begin: after a byte order mark and blank lines (offsets, not copies)."""
    start = 3 if raw.startswith(b"\xef\xbb\xbf") else 0
    while raw[start:start + 1] in (b"\r", b"\n"):
        start += 1
    return start


def _read_structure(raw: bytes) -> tuple[Message, Bodies]:
    start = _message_start(raw)
    if start == len(raw) or not _NOT_SPACE.search(raw, start):
        raise EmailParseError("empty message")
    head = raw[start:start + 65536].split(b"\n\n", 1)[0]
    if len(head.translate(None, _TEXT_BYTES)) * 10 > len(head):
        # More than a tenth control bytes: not a header block. A stray NUL or two is only damage.
        raise EmailParseError("binary data where the headers should be")
    if b"\x00" in raw:
        raw = raw.replace(b"\x00", b"")  # before the skeleton: a NUL can hide a boundary line
    data, bodies = skeleton(raw, start, limits.SPAN_MIN_BYTES)
    msg = _PARSER.parsebytes(_repair_header_block(data))
    names = {name.strip().lower() for name in msg.keys()}
    if not names & _KNOWN_HEADERS:
        raise EmailParseError("no message headers")
    return msg, bodies


def _parse(raw: bytes, max_attachment_bytes: int | None) -> ParsedEmail:
    msg, bodies = _read_structure(raw)
    hint = _message_charset(msg)
    headers = _Headers(msg, hint)
    ctype = _content_type(msg)

    senders = headers.addresses("from")
    from_name, from_address = senders[0] if senders else ("", "")
    to = list(dict.fromkeys(address for _, address in headers.addresses("to") if address))
    subject = headers.text("subject")

    walk = _Walk(hint, max_attachment_bytes, bodies)
    _walk(msg, walk, 0)
    text = _segments_text(walk.segments)
    htmls = [s.html for s in walk.segments if s.html and s.html.strip()]
    html = sanitize_html("\n".join(htmls)).strip() if htmls else None
    reply_text = trim_reply(text)

    fields = parse_support_format(reply_text)
    if reply_text != text:
        for key, value in parse_support_format(text).items():
            fields.setdefault(key, value)

    token_addresses = list(to)
    for name in ("cc", "delivered-to", "x-original-to"):
        token_addresses += [address for _, address in headers.addresses(name) if address]

    message_ids = _message_ids(headers.first_raw("message-id"))
    return ParsedEmail(
        message_id=message_ids[0] if message_ids else None,
        in_reply_to=tuple(_message_ids(" ".join(headers.raw.get("in-reply-to", ())))),
        references=tuple(_message_ids(" ".join(headers.raw.get("references", ())))),
        from_address=from_address,
        from_name=from_name,
        to=tuple(to),
        subject=subject,
        date=_parse_date(headers.first_raw("date")),
        text=text,
        html=html,
        reply_text=reply_text,
        auto_reason=_auto_reason(headers, ctype, from_address),
        ticket_token=ticket_token_from(subject, token_addresses),
        severity=severity_from_subject(subject),
        fields=fields,
        attachments=tuple(walk.attachments),
        skipped_attachments=tuple(walk.skipped),
        from_addresses=tuple(dict.fromkeys(address for _, address in senders)),
        authentication_results=tuple(_fix_surrogates(v) for v in headers.raw.get("authentication-results", ())),
    )

"""What parsing returns: `ParsedEmail`, its `Attachment`s, and `EmailParseError`."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


class EmailParseError(Exception):
    """The bytes are not a message we can read; the caller quarantines them."""


@dataclass(frozen=True)
class Attachment:
    filename: str  # sanitised, never a path; "attachment" if none
    content_type: str
    data: bytes


@dataclass(frozen=True)
class ParsedEmail:
    message_id: str | None
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    from_address: str
    from_name: str
    to: tuple[str, ...]
    subject: str
    date: datetime | None
    text: str
    html: str | None
    reply_text: str
    auto_reason: str | None
    ticket_token: str | None
    severity: str | None
    fields: dict[str, str]
    attachments: tuple[Attachment, ...]
    # Attachments over max_attachment_bytes: (sanitised filename, decoded size). Their bytes stay
    # only in the raw message.
    skipped_attachments: tuple[tuple[str, int], ...] = field(default=())

"""What parsing returns: `ParsedEmail`, its `Attachment`s, and `EmailParseError`."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import BinaryIO


class EmailParseError(Exception):
    """The bytes are not a message we can read; the caller quarantines them."""


@dataclass(frozen=True, eq=False)
class Attachment:
    """A decoded attachment. Its bytes are in `file` (in memory when small, else an anonymous
    temporary file), so a large one is never held whole; `data` reads them all."""

    filename: str  # sanitised, never a path; "attachment" if none
    content_type: str
    size: int
    file: BinaryIO = field(repr=False)

    @property
    def data(self) -> bytes:
        self.file.seek(0)
        return self.file.read()

    def close(self) -> None:
        self.file.close()


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
    # Every address the From header(s) name, in order, once each ("" for one we cannot read):
    # more than one is refused (nobody can tell which of them wrote it); from_address is the first.
    from_addresses: tuple[str, ...] = field(default=())
    # The Authentication-Results values, top (added last, by the receiving server) first; read
    # with parsing.authresults.sender_check against the configured server's authserv-id.
    authentication_results: tuple[str, ...] = field(default=())

    def close(self) -> None:
        """Free the attachments' temporary files (garbage collection would, later)."""
        for attachment in self.attachments:
            attachment.close()

    def __enter__(self) -> ParsedEmail:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

"""Walking the MIME tree: plain text bodies, HTML bodies, forwarded messages, attachments."""
from __future__ import annotations

import email.utils
import re
import tempfile
from dataclasses import dataclass, field
from email.message import Message

from tickets.filenames import safe_filename

from .decode import base64_size, decoded
from .headers import _Headers, _clean_text, _decode_encoded_words, _fix_surrogates, decode_bytes
from .html import html_to_text
from .limits import MAX_DEPTH, MAX_FILENAME_BYTES, MAX_PARTS, SPOOL_MAX_MEMORY
from .results import Attachment
from .spans import Bodies


# ---------------------------------------------------------------------------------------------
# Plain text bodies


def _normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _unflow(text: str, delsp: bool) -> str:
    """RFC 3676 format=flowed: join soft line breaks (a line ending in a space)."""
    out: list[str] = []
    pending: list[str] = []
    pending_depth = -1
    for line in text.split("\n"):
        depth = len(line) - len(line.lstrip(">"))
        body = line[depth:]
        if body.startswith(" "):
            body = body[1:]  # space-stuffing
        if pending and depth != pending_depth:
            out.append(">" * pending_depth + (" " if pending_depth else "") + "".join(pending))
            pending = []
        flowed = body.endswith(" ") and body != "-- "
        if flowed:
            pending.append(body[:-1] if delsp else body)
            pending_depth = depth
            continue
        pending.append(body)
        out.append(">" * depth + (" " if depth and pending[0] else "") + "".join(pending))
        pending = []
    if pending:
        out.append(">" * pending_depth + (" " if pending_depth else "") + "".join(pending))
    return "\n".join(out)


_PGP_SIGNED = "-----BEGIN PGP SIGNED MESSAGE-----"
_PGP_SIGNATURE = "-----BEGIN PGP SIGNATURE-----"


def _strip_inline_pgp(text: str) -> str:
    """The signed text of an inline PGP message (armor headers and signature dropped)."""
    start = text.find(_PGP_SIGNED)
    if start < 0:
        return text
    body_start = text.find("\n\n", start)
    end = text.find(_PGP_SIGNATURE, body_start if body_start >= 0 else start)
    if body_start < 0 or end < 0:
        return text
    end_of_sig = text.find("-----END PGP SIGNATURE-----", end)
    after = text[end_of_sig + len("-----END PGP SIGNATURE-----"):] if end_of_sig >= 0 else ""
    signed = "\n".join(line[2:] if line.startswith("- ") else line
                       for line in text[body_start + 2:end].split("\n"))
    return (text[:start] + signed.rstrip("\n") + "\n" + after.lstrip("\n")).strip("\n")


# ---------------------------------------------------------------------------------------------
# MIME walk


@dataclass
class _Segment:
    plain: str | None = None
    html: str | None = None


@dataclass
class _Walk:
    hint: str | None
    max_attachment_bytes: int | None
    bodies: Bodies
    segments: list[_Segment] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    skipped: list[tuple[str, int]] = field(default_factory=list)
    parts: int = 0

    def sub(self) -> _Walk:
        """A walk of a subtree whose text is combined apart; it counts toward the same limits."""
        return _Walk(self.hint, self.max_attachment_bytes, self.bodies, parts=self.parts)

    def join(self, sub: _Walk) -> None:
        self.parts = sub.parts
        self.attachments.extend(sub.attachments)
        self.skipped.extend(sub.skipped)


def _content_type(part: Message) -> str:
    try:
        return part.get_content_type()
    except Exception:  # noqa: BLE001
        return "text/plain"


def _param(part: Message, name: str, header: str = "content-type") -> str | None:
    try:
        value = part.get_param(name, header=header)
    except Exception:  # noqa: BLE001
        return None
    if value is None:
        return None
    if isinstance(value, tuple):
        value = email.utils.collapse_rfc2231_value(value)
    return str(value)


def _disposition(part: Message) -> str:
    try:
        return (part.get_content_disposition() or "").lower()
    except Exception:  # noqa: BLE001
        return ""


def _payload_text(part: Message) -> str | None:
    """A leaf part's still-encoded body as the parser left it (markers and all), else None.

    Read from `_payload`: get_payload() replaces the surrogate escapes that hold raw 8-bit bytes,
    and get_payload(decode=True) decodes the whole body in one piece.
    """
    payload = getattr(part, "_payload", None)
    return payload if isinstance(payload, str) else None


def _transfer_encoding(part: Message) -> str:
    try:
        return str(part.get("content-transfer-encoding", "") or "")
    except Exception:  # noqa: BLE001
        return ""


def _decoded_chunks(part: Message, bodies: Bodies):
    payload = _payload_text(part)
    if payload is None:
        return iter(())
    return decoded(bodies.pieces(payload), _transfer_encoding(part))


def _payload_bytes(part: Message, bodies: Bodies) -> bytes:
    return b"".join(_decoded_chunks(part, bodies))


def _base64_size(part: Message, bodies: Bodies) -> int | None:
    """Decoded size of a base64 part without decoding it (None: decode to find out)."""
    payload = _payload_text(part)
    if payload is None or _transfer_encoding(part).strip().lower() != "base64":
        return None
    return base64_size(bodies.pieces(payload))


def _part_text(part: Message, walk: _Walk) -> str:
    data = _payload_bytes(part, walk.bodies)
    charset = _param(part, "charset")
    ctype = _content_type(part)
    if not charset and ctype == "text/html":
        meta = re.search(rb"<meta[^>]{0,200}?charset\s*=\s*[\"']?([A-Za-z0-9_.:-]{1,40})", data[:4096], re.I)
        if meta:
            charset = meta.group(1).decode("ascii")
    text = _normalise_newlines(decode_bytes(data, charset, hint=walk.hint))
    if ctype == "text/plain":
        if (_param(part, "format") or "").lower() == "flowed":
            text = _unflow(text, (_param(part, "delsp") or "").lower() == "yes")
        if _PGP_SIGNED in text:
            text = _strip_inline_pgp(text)
    return text


def sanitize_filename(name: str | None) -> str:
    """A file name safe to store and show (tickets.filenames), after decoding what mail encodes."""
    if not name:
        return "attachment"
    name = _clean_text(name)
    if "=?" in name:  # RFC 2047 inside a parameter: not standard, but Outlook and Gmail do it
        name = _decode_encoded_words(name)
    return safe_filename(name, max_bytes=MAX_FILENAME_BYTES)


def _filename(part: Message) -> str | None:
    try:
        name = part.get_filename()
    except Exception:  # noqa: BLE001
        name = _param(part, "filename", "content-disposition") or _param(part, "name")
    return _fix_surrogates(str(name)) if name else None


def _add_attachment(part: Message, walk: _Walk, filename: str | None = None) -> None:
    name = sanitize_filename(filename if filename is not None else _filename(part))
    limit = walk.max_attachment_bytes
    if limit is not None:
        size = _base64_size(part, walk.bodies)
        if size is not None and size > limit:
            walk.skipped.append((name, size))
            return
    # Decoded a chunk at a time into a spool: in memory while small, else on disk.
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_MAX_MEMORY)
    size = 0
    for chunk in _decoded_chunks(part, walk.bodies):
        size += len(chunk)
        if limit is None or size <= limit:
            spool.write(chunk)
    if limit is not None and size > limit:
        spool.close()
        walk.skipped.append((name, size))
        return
    walk.attachments.append(Attachment(filename=name, content_type=_content_type(part), size=size, file=spool))


def _collapse(segments: list[_Segment]) -> _Segment:
    plains = [s.plain for s in segments if s.plain and s.plain.strip()]
    htmls = [s.html for s in segments if s.html and s.html.strip()]
    return _Segment("\n\n".join(plains) if plains else None, "\n".join(htmls) if htmls else None)


def _walk(part: Message, walk: _Walk, depth: int) -> None:
    walk.parts += 1
    if depth > MAX_DEPTH or walk.parts > MAX_PARTS:
        return
    ctype = _content_type(part)
    maintype = ctype.split("/", 1)[0]
    disposition = _disposition(part)
    payload = part.get_payload()

    if maintype == "message" and isinstance(payload, list) and ctype != "message/delivery-status":
        inner = payload[0] if payload and isinstance(payload[0], Message) else None
        if inner is not None:
            walk.segments.append(_Segment(plain=_forwarded_text(inner, walk, depth)))
        return

    if maintype == "multipart" and isinstance(payload, list):
        children = [child for child in payload if isinstance(child, Message)]
        if not children:
            return
        if ctype == "multipart/signed":
            # The first part is the signed content; the second is the signature (S/MIME or PGP).
            _walk(children[0], walk, depth + 1)
        elif ctype == "multipart/report":
            # A DSN or MDN: only its human-readable part is text; the returned message is not
            # the sender's words.
            _walk(children[0], walk, depth + 1)
        elif ctype == "multipart/alternative":
            best = _Segment()
            for child in children:
                sub = walk.sub()
                _walk(child, sub, depth + 1)
                walk.join(sub)
                collapsed = _collapse(sub.segments)
                # The last alternative is the richest (RFC 2046); keep the last of each kind.
                if collapsed.plain is not None:
                    best.plain = collapsed.plain
                if collapsed.html is not None:
                    best.html = collapsed.html
            if best.plain is not None or best.html is not None:
                walk.segments.append(best)
        else:  # mixed, related, parallel, digest, unknown multiparts
            for child in children:
                _walk(child, walk, depth + 1)
        return

    filename = _filename(part)
    if ctype in ("text/plain", "text/html") and disposition != "attachment" and not filename:
        text = _part_text(part, walk)
        if ctype == "text/html":
            walk.segments.append(_Segment(html=text))
        else:
            walk.segments.append(_Segment(plain=text))
        return
    if maintype == "multipart":
        # A multipart without a usable boundary: its payload is all we have; show it as text.
        text = decode_bytes(_payload_bytes(part, walk.bodies), None, hint=walk.hint)
        walk.segments.append(_Segment(plain=_normalise_newlines(text)))
        return
    _add_attachment(part, walk, filename)


def _forwarded_text(inner: Message, walk: _Walk, depth: int) -> str:
    headers = _Headers(inner, walk.hint)
    sub = walk.sub()
    _walk(inner, sub, depth + 1)
    walk.join(sub)
    lines = ["---------- Forwarded message ---------"]
    for label, name in (("From", "from"), ("Date", "date"), ("Subject", "subject"), ("To", "to")):
        value = headers.text(name)
        if value:
            lines.append(f"{label}: {value}")
    body = _segments_text(sub.segments)
    return "\n".join(lines) + "\n\n" + body


def _segments_text(segments: list[_Segment]) -> str:
    texts = []
    for segment in segments:
        if segment.plain is not None and segment.plain.strip():
            texts.append(segment.plain.strip("\n"))
        elif segment.html:
            converted = html_to_text(segment.html)
            if converted:
                texts.append(converted)
    return "\n\n".join(texts).strip()

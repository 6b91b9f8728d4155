"""Walking the MIME tree: plain text bodies, HTML bodies, forwarded messages, attachments."""
from __future__ import annotations

import email.utils
import re
import unicodedata
from dataclasses import dataclass, field
from email.message import Message

from .headers import _WS, _Headers, _clean_text, _decode_encoded_words, _fix_surrogates, decode_bytes
from .html import html_to_text
from .limits import MAX_DEPTH, MAX_FILENAME_BYTES, MAX_PARTS
from .results import Attachment


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
    segments: list[_Segment] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    skipped: list[tuple[str, int]] = field(default_factory=list)
    parts: int = 0


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


def _payload_bytes(part: Message) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001
        data = None
    if isinstance(data, bytes):
        return data
    payload = part.get_payload()
    if isinstance(payload, str):
        return payload.encode("utf-8", "surrogateescape")
    return b""


def _payload_size(part: Message) -> int | None:
    """Decoded size of a base64 part without decoding it (None: decode to find out)."""
    cte = str(part.get("content-transfer-encoding", "") or "").strip().lower()
    payload = part.get_payload()
    if cte != "base64" or not isinstance(payload, str):
        return None
    stripped = len(payload) - sum(payload.count(c) for c in "\r\n\t ")
    padding = len(payload.rstrip()) - len(payload.rstrip().rstrip("="))
    return max(0, (stripped - padding) * 3 // 4)


def _part_text(part: Message, hint: str | None) -> str:
    data = _payload_bytes(part)
    charset = _param(part, "charset")
    ctype = _content_type(part)
    if not charset and ctype == "text/html":
        meta = re.search(rb"<meta[^>]{0,200}?charset\s*=\s*[\"']?([A-Za-z0-9_.:-]{1,40})", data[:4096], re.I)
        if meta:
            charset = meta.group(1).decode("ascii")
    text = _normalise_newlines(decode_bytes(data, charset, hint=hint))
    if ctype == "text/plain":
        if (_param(part, "format") or "").lower() == "flowed":
            text = _unflow(text, (_param(part, "delsp") or "").lower() == "yes")
        if _PGP_SIGNED in text:
            text = _strip_inline_pgp(text)
    return text


_UNSAFE_FILENAME = re.compile(r'[\x00-\x1f\x7f<>:"|?*]')


def sanitize_filename(name: str | None) -> str:
    """A file name safe to store and show: no directories, no control characters, bounded."""
    if not name:
        return "attachment"
    name = _clean_text(name)
    if "=?" in name:  # RFC 2047 inside a parameter: not standard, but Outlook and Gmail do it
        name = _decode_encoded_words(name)
    name = unicodedata.normalize("NFC", name)
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE_FILENAME.sub("_", name)
    name = _WS.sub(" ", name).strip().lstrip(".").strip()
    if not name or set(name) <= {".", "_", " "}:
        return "attachment"
    if len(name.encode("utf-8")) > MAX_FILENAME_BYTES:
        stem, dot, ext = name.rpartition(".")
        if not dot or len(ext) > 16:
            stem, ext = name, ""
        suffix = f".{ext}" if ext else ""
        budget = MAX_FILENAME_BYTES - len(suffix.encode("utf-8"))
        stem = stem.encode("utf-8")[:budget].decode("utf-8", "ignore").rstrip()
        name = stem + suffix
    return name


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
        size = _payload_size(part)
        if size is not None and size > limit:
            walk.skipped.append((name, size))
            return
    data = _payload_bytes(part)
    if limit is not None and len(data) > limit:
        walk.skipped.append((name, len(data)))
        return
    walk.attachments.append(Attachment(filename=name, content_type=_content_type(part), data=data))


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
                sub = _Walk(walk.hint, walk.max_attachment_bytes, parts=walk.parts)
                _walk(child, sub, depth + 1)
                walk.parts = sub.parts
                walk.attachments.extend(sub.attachments)
                walk.skipped.extend(sub.skipped)
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
        text = _part_text(part, walk.hint)
        if ctype == "text/html":
            walk.segments.append(_Segment(html=text))
        else:
            walk.segments.append(_Segment(plain=text))
        return
    if maintype == "multipart":
        # A multipart without a usable boundary: its payload is all we have; show it as text.
        walk.segments.append(_Segment(plain=_normalise_newlines(decode_bytes(_payload_bytes(part), None,
                                                                              hint=walk.hint))))
        return
    _add_attachment(part, walk, filename)


def _forwarded_text(inner: Message, walk: _Walk, depth: int) -> str:
    headers = _Headers(inner, walk.hint)
    sub = _Walk(walk.hint, walk.max_attachment_bytes, parts=walk.parts)
    _walk(inner, sub, depth + 1)
    walk.parts = sub.parts
    walk.attachments.extend(sub.attachments)
    walk.skipped.extend(sub.skipped)
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

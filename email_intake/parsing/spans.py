"""Large MIME bodies parsed by reference, not by copy.

The stdlib parser keeps a body as one string per line and then joins them: a 25 MB attachment
costs several times its size in memory, and most of the parse time. So before the parse, each
large leaf body is cut out of the message and replaced by a one-line marker. The parser sees
the same structure (header blocks and "--" lines are never touched), and the walk reads the body
back from its byte offsets in the raw message, a chunk at a time (`Bodies.pieces`).

What may be cut: the text after the blank line that ends a header block, up to the next line
starting with "--" (the only lines the parser reads as structure inside a body), when that block
declares a Content-Type and none of message/* (whose body holds more headers). A guess that is
wrong about where the body ends (a "-- " signature line, a boundary the parser does not accept)
costs nothing: the payload then holds the marker between other text, and `pieces` puts the
bytes back in place.
"""
from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field

from .limits import DECODE_CHUNK

_LINE_END = re.compile(rb"\r\n|\r|\n")
# The parser reads "Name:" as a header only with nothing between the name and the colon.
_CONTENT_TYPE = re.compile(rb"^content-type:(.*(?:\r?\n[ \t].*)*)", re.I | re.M)
_BOUNDARY = re.compile(rb'boundary\s*=\s*(?:"([^"\r\n]+)"|([^\s;"]+))', re.I)
_MARKER = re.compile(r"ARAGORA-SPAN-([0-9a-f]{16})-(\d+)")
_MAX_HEADER_BLOCK = 64 * 1024
_MAX_NESTED_HEADERS = 8  # header blocks read in a row: a part's, then forwarded messages'


@dataclass
class Bodies:
    """The raw message and the byte ranges its skeleton refers to by marker."""

    data: bytes
    spans: list[tuple[int, int]] = field(default_factory=list)
    # Random per message: a sender cannot write a marker into their mail.
    token: str = field(default_factory=lambda: secrets.token_hex(8))

    def marker(self, index: int) -> bytes:
        return f"ARAGORA-SPAN-{self.token}-{index}".encode("ascii")

    def refers(self, payload: str) -> bool:
        return bool(self.spans) and self.token in payload

    def pieces(self, payload: str) -> Iterator[bytes]:
        """The encoded bytes of a payload, markers replaced by their spans, in bounded chunks."""
        if not self.refers(payload):
            yield _as_bytes(payload)
            return
        parts = _MARKER.split(payload)  # text, (token, index, text)...
        if parts[0]:
            yield _as_bytes(parts[0])
        for at in range(1, len(parts), 3):
            token, index, text = parts[at:at + 3]
            if token == self.token:
                yield from self._span(int(index))
            else:
                yield _as_bytes(f"ARAGORA-SPAN-{token}-{index}")  # the sender's text, not ours
            if text:
                yield _as_bytes(text)

    def _span(self, index: int) -> Iterator[bytes]:
        start, end = self.spans[index]
        for at in range(start, end, DECODE_CHUNK):
            yield self.data[at:min(end, at + DECODE_CHUNK)]


def _as_bytes(text: str) -> bytes:
    # The bytes parser decodes as ASCII with surrogate escapes; this gives the bytes back.
    try:
        return text.encode("ascii", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape")


def skeleton(data: bytes, start: int, min_bytes: int) -> tuple[bytes, Bodies]:
    """`data[start:]` with every leaf body of at least `min_bytes` replaced by a marker."""
    bodies = Bodies(data)
    if len(data) - start < min_bytes:
        return (data[start:] if start else data), bodies
    kept: list[bytes] = []
    copied = start
    for body_start, body_end in _large_bodies(data, start, min_bytes):
        kept += [data[copied:body_start], bodies.marker(len(bodies.spans))]
        bodies.spans.append((body_start, body_end))
        copied = body_end
    if not bodies.spans:
        return (data[start:] if start else data), bodies
    kept.append(data[copied:])
    return b"".join(kept), bodies


def _large_bodies(data: bytes, start: int, min_bytes: int) -> Iterator[tuple[int, int]]:
    boundaries: set[bytes] = set()
    gap_start: int | None = start  # None: after a "--" line that is no boundary declared so far
    for at in _dash_lines(data, start):
        if gap_start is not None:
            body = _part_body(data, gap_start, _end_before(data, at), boundaries)
            if body and body[1] - body[0] >= min_bytes:
                yield body
        line_end = _LINE_END.search(data, at + 3)
        if line_end is None:
            return
        # Only a declared boundary starts a part; after any other "--" line, the text may belong
        # to a header block the line cut short, so nothing is cut until the next boundary.
        gap_start = line_end.end() if _is_boundary(data[at + 3:line_end.start()], boundaries) else None
    if gap_start is not None:
        # The message's last line ending stays out too: the parser drops it from a part that ends
        # a multipart without its closing boundary, and keeps it at the end of a single part.
        body = _part_body(data, gap_start, max(gap_start, _end_of_last_line(data)), boundaries)
        if body and body[1] - body[0] >= min_bytes:
            yield body


def _dash_lines(data: bytes, start: int) -> Iterator[int]:
    """Positions of the line breaks followed by "--", in order (bytes.find: memchr speed)."""
    lf, cr = data.find(b"\n--", start), data.find(b"\r--", start)
    while lf >= 0 or cr >= 0:
        if cr < 0 or 0 <= lf < cr:
            yield lf
            lf = data.find(b"\n--", lf + 3)
        else:
            yield cr
            cr = data.find(b"\r--", cr + 3)


def _end_before(data: bytes, at: int) -> int:
    """Where a body ends whose next line starts after the line break at `at`: the line ending
    before a boundary belongs to the boundary, not to the body."""
    return at - 1 if data[at:at + 1] == b"\n" and data[at - 1:at] == b"\r" else at


def _end_of_last_line(data: bytes) -> int:
    for ending in (b"\r\n", b"\n", b"\r"):
        if data.endswith(ending):
            return len(data) - len(ending)
    return len(data)


def _part_body(data: bytes, gap_start: int, gap_end: int, boundaries: set[bytes]) -> tuple[int, int] | None:
    """Read the header block(s) at the start of a part, adding the boundaries they declare; the
    range of its body if that may be cut: a declared Content-Type, none of message/*."""
    block_start = gap_start
    for _ in range(_MAX_NESTED_HEADERS):
        limit = min(gap_end, block_start + _MAX_HEADER_BLOCK)
        blank = _blank_line(data, block_start, limit)
        types = _CONTENT_TYPE.findall(data, block_start, blank[0] if blank else limit)
        for value in types:
            for quoted, bare in _BOUNDARY.findall(value):
                boundaries.add((quoted or bare).rstrip())
        if blank is None:
            return None
        if types and not any(b"message" in value.lower() for value in types):
            return blank[1], gap_end
        # message/*, or no type (a digest's parts are message/rfc822 by default): the body
        # starts with the forwarded message's own header block, which may declare boundaries.
        block_start = blank[1]
    return None


def _blank_line(data: bytes, start: int, end: int) -> tuple[int, int] | None:
    """(end of the header block, start of the body) at the first blank line in data[start:end]."""
    found = [(at, at + len(blank)) for blank in (b"\n\n", b"\n\r\n") if (at := data.find(blank, start, end)) >= 0]
    if not found:
        return None
    at, body = min(found)
    return (at - 1 if data[at - 1:at] == b"\r" else at), body


def _is_boundary(after_dashes: bytes, boundaries: set[bytes]) -> bool:
    text = after_dashes.rstrip(b" \t")
    return text in boundaries or (text.endswith(b"--") and text[:-2] in boundaries)

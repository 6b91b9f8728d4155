"""Content-Transfer-Encodings decoded a chunk at a time, so a large body is never whole in memory.

Each decoder gives what the stdlib's `Message.get_payload(decode=True)` gives for the same bytes,
with two exceptions for broken base64: a final lone character is dropped (the stdlib returns the
undecoded text instead), and a stray "=" that does not end a quantum is skipped.
"""
from __future__ import annotations

import binascii
import email.message
from collections.abc import Iterable, Iterator

_BASE64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
# Everything but the alphabet and "=": line breaks, spaces and junk, which decoders skip.
_NOT_BASE64 = bytes(sorted(set(range(256)) - set(_BASE64_ALPHABET + b"=")))
_NOT_BASE64_DATA = _NOT_BASE64 + b"="
_UUENCODINGS = ("x-uuencode", "uuencode", "uue", "x-uue")
_QP_MAX_LINE = 64 * 1024


def decoded(pieces: Iterable[bytes], cte: str) -> Iterator[bytes]:
    """The decoded body, chunk by chunk, for encoded `pieces` in Content-Transfer-Encoding `cte`."""
    cte = cte.strip().lower()
    if cte == "base64":
        return _stream(pieces, _Base64())
    if cte == "quoted-printable":
        return _stream(pieces, _QuotedPrintable())
    if cte in _UUENCODINGS:
        return iter([_stdlib_decoded(b"".join(pieces), cte)])  # old and rare: decoded whole, as ever
    return iter(pieces)  # 7bit, 8bit, binary, and (as the stdlib does) encodings nobody knows


def base64_size(pieces: Iterable[bytes]) -> int:
    """Decoded size of a base64 body, counted without decoding it."""
    count = sum(len(piece.translate(None, _NOT_BASE64_DATA)) for piece in pieces)
    return count // 4 * 3 + max(0, count % 4 - 1)


def _stream(pieces: Iterable[bytes], decoder) -> Iterator[bytes]:
    for piece in pieces:
        out = decoder.feed(piece)
        if out:
            yield out
    out = decoder.finish()
    if out:
        yield out


def _stdlib_decoded(data: bytes, cte: str) -> bytes:
    part = email.message.Message()
    part["Content-Transfer-Encoding"] = cte
    part.set_payload(data.decode("ascii", "surrogateescape"))
    return part.get_payload(decode=True)


class _Base64:
    """Decodes whole quanta as they arrive; the partial one waits for the next chunk."""

    def __init__(self) -> None:
        self._pending = b""
        self._done = False

    def feed(self, piece: bytes) -> bytes:
        if self._done:
            return b""
        data = self._pending + piece.translate(None, _NOT_BASE64)
        if b"=" in data:
            data = self._padding(data)
        usable = len(data) if self._done else len(data) - len(data) % 4
        self._pending = data[usable:]
        return binascii.a2b_base64(data[:usable])

    def _padding(self, data: bytes) -> bytes:
        """Like the stdlib: the first "=" that ends a quantum ends the data; others are skipped.
        One pass: a body of stray "=" costs no more than any other."""
        skipped = 0
        at = data.find(b"=")
        while at >= 0:
            position = (at - skipped) % 4  # data starts on a quantum boundary; skipped "=" take no place
            ends = position == 3 or (position == 2 and data[at + 1:at + 2] == b"=")
            if ends or (position == 2 and at + 1 == len(data)):
                head = data[:at].replace(b"=", b"")
                if not ends:
                    return head + b"="  # "xx=" so far: the next chunk tells whether "=" follows
                self._done = True
                return head + b"=" * (4 - position)
            skipped += 1
            at = data.find(b"=", at + 1)
        return data.replace(b"=", b"")

    def finish(self) -> bytes:
        pending, self._pending = self._pending.rstrip(b"="), b""
        if self._done or len(pending) < 2:
            return b""  # nothing, or a lone character that cannot make a byte
        return binascii.a2b_base64(pending + b"=" * (-len(pending) % 4))


class _QuotedPrintable:
    """Decodes whole lines, so that no soft line break or =XX escape straddles two chunks."""

    def __init__(self) -> None:
        self._pending = b""

    def feed(self, piece: bytes) -> bytes:
        data = self._pending + piece
        cut = data.rfind(b"\n") + 1
        if not cut and len(data) > _QP_MAX_LINE:
            cut = _safe_cut(data)  # a line far longer than the RFC's 76 characters
        self._pending = data[cut:]
        return binascii.a2b_qp(data[:cut])

    def finish(self) -> bytes:
        pending, self._pending = self._pending, b""
        return binascii.a2b_qp(pending)


def _safe_cut(data: bytes) -> int:
    """Where to cut an endless line: after no "=" of the last two bytes, whose escape would
    straddle the cut (an escape is "=" and at most two more bytes)."""
    cut = len(data)
    while cut > 0 and b"=" in data[cut - 2:cut]:
        cut -= 1
    return cut or len(data)  # a line of nothing but "=": bounded memory matters more than garbage

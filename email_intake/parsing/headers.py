"""Charsets, header decoding, addresses, message ids, dates, and broken header blocks."""
from __future__ import annotations

import base64
import binascii
import codecs
import email.utils
import re
from functools import lru_cache
from datetime import datetime, timezone
from email import policy
from email.message import Message
from email.headerregistry import HeaderRegistry
from email.parser import BytesParser

from .limits import MAX_STRUCTURED_HEADER


class _CachedHeaderFactory:
    """policy.default's header registry behind a bounded cache.

    policy.default parses a header again on every access, and the parser itself asks each part
    for its Content-Type several times: without the cache that re-parsing is most of the cost of
    a multipart message. Header objects are immutable, and the same few values ("text/plain;
    charset=utf-8") recur across messages, so sharing them is safe and pays off. So do address
    headers: nearly every message is To the same support address, and customers write again
    (the address parser is pure Python, ~0.1 ms a header).
    """

    MAX_ENTRIES = 4096
    RECURRING_ADDRESSES = frozenset({"to", "from", "cc", "sender", "reply-to", "delivered-to", "x-original-to"})

    def __init__(self) -> None:
        self._registry = HeaderRegistry()
        # Two caches, so that one-off From values never push out the recurring MIME values.
        self._mime: dict[tuple[str, str], object] = {}
        self._addresses: dict[tuple[str, str], object] = {}

    def __call__(self, name: str, value: str):
        cache = self._cache_for(name, value)
        if cache is None:
            return self._registry(name, value)
        key = (name, value)
        header = cache.get(key)
        if header is None:
            header = self._registry(name, value)
            if len(cache) >= self.MAX_ENTRIES:
                cache.clear()
            cache[key] = header
        return header

    def _cache_for(self, name: str, value: str) -> dict | None:
        if len(value) > 2048:
            return None
        if name[:8].lower() == "content-":
            return self._mime
        if name.lower() in self.RECURRING_ADDRESSES:
            return self._addresses
        return None  # Message-ID, Date, Received...: unique to each message

    def __getattr__(self, attribute):
        return getattr(self._registry, attribute)


_POLICY = policy.default.clone(header_factory=_CachedHeaderFactory())
_PARSER = BytesParser(policy=_POLICY)


# ---------------------------------------------------------------------------------------------
# Charsets


# Labels mail clients declare for a narrower charset than they actually write. Decoding with the
# superset is what browsers do (WHATWG Encoding) and never loses a character of valid input.
_CHARSET_SUPERSETS = {
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "l1": "cp1252",
    "windows-1252": "cp1252",
    "iso-8859-9": "cp1254",
    "iso-8859-11": "cp874",
    "tis-620": "cp874",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "ks_c_5601-1987": "cp949",
    "euc-kr": "cp949",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "ms_kanji": "cp932",
    "big5": "big5hkscs",
    "iso-8859-8-i": "iso-8859-8",
    "utf8": "utf-8",
    "unicode-1-1-utf-7": "utf-7",
    "x-unknown": "",
    "unknown-8bit": "",
    "unknown": "",
    "x-user-defined": "",
    "default": "",
}
# Japanese mail labelled ISO-2022-JP often carries the NEC/IBM extensions (circled digits etc.).
_CHARSET_RETRIES = {
    "iso2022_jp": ("iso2022_jp", "iso2022_jp_ext", "iso2022_jp_2", "iso2022_jp_2004"),
}
# 7-bit encodings: their bytes are ASCII, so the ASCII shortcut must not apply.
_SEVEN_BIT_CODECS = ("iso2022", "utf-7", "utf_7", "hz")
_LATIN1_FAMILY = {"cp1252", ""}
_SURROGATES = re.compile("[\ud800-\udfff]")


@lru_cache(maxsize=256)
def _codec_name(charset: str | None) -> str:
    """The codec to try for a declared charset; "" when it is absent or unknown."""
    if not charset:
        return ""
    label = charset.strip().strip("\"'").lower()
    label = _CHARSET_SUPERSETS.get(label, label)
    if not label or len(label) > 40:
        return ""
    try:
        return codecs.lookup(label).name
    except (LookupError, ValueError, TypeError):
        return ""


# A lead byte and a continuation byte: text with none of these was not written in UTF-8.
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]")


def decode_bytes(data: bytes, charset: str | None, *, hint: str | None = None) -> str:
    """Decode text whose declared charset may be missing, unknown or wrong. Never raises.

    Order: the declared charset (as its superset), strictly; UTF-8; the hint (the message's own
    charset, for raw 8-bit headers); then, with U+FFFD for what does not decode, the declared
    charset, else UTF-8 if the bytes hold any UTF-8 sequence, else windows-1252. Latin-1 labels
    on bytes that are valid UTF-8 are taken as UTF-8: real Latin-1 text practically never forms
    valid multi-byte UTF-8 sequences.
    """
    if not data:
        return ""
    codec = _codec_name(charset)
    if data.isascii():
        if codec.startswith(_SEVEN_BIT_CODECS):
            pass
        elif b"\x1b$B" in data or b"\x1b$@" in data:  # undeclared ISO-2022-JP (old Japanese mailers)
            codec = "iso2022_jp"
        else:
            return _clean_text(data.decode("ascii"))
    if codec in _LATIN1_FAMILY or codec == "ascii":
        try:
            return _clean_text(data.decode("utf-8"))
        except UnicodeDecodeError:
            pass
    for candidate in _CHARSET_RETRIES.get(codec, (codec,)) if codec else ():
        try:
            return _clean_text(data.decode(candidate))
        except (UnicodeDecodeError, LookupError):
            continue
    if codec != "utf-8":
        try:
            return _clean_text(data.decode("utf-8"))
        except UnicodeDecodeError:
            pass
    hint_codec = _codec_name(hint)
    if hint_codec and hint_codec not in (codec, "utf-8"):
        try:
            return _clean_text(data.decode(hint_codec))
        except (UnicodeDecodeError, LookupError):
            pass
    if codec and codec != "utf-8":
        try:
            return _clean_text(data.decode(codec, errors="replace"))
        except LookupError:  # pragma: no cover - codec was looked up above
            pass
    if _UTF8_MULTIBYTE.search(data):
        return _clean_text(data.decode("utf-8", errors="replace"))
    return _clean_text(data.decode("cp1252", errors="replace"))


def _clean_text(text: str) -> str:
    if "\x00" in text:
        text = text.replace("\x00", "")
    if _SURROGATES.search(text):
        text = _SURROGATES.sub("\ufffd", text)
    return text


def _fix_surrogates(text: str, hint: str | None = None) -> str:
    """Re-decode raw 8-bit bytes the email package kept as surrogate escapes."""
    if "\x00" in text:
        text = text.replace("\x00", "")
    if not _SURROGATES.search(text):
        return text
    try:
        raw = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # lone surrogates that are not escaped bytes
        return _SURROGATES.sub("\ufffd", text)
    return decode_bytes(raw, None, hint=hint)


# ---------------------------------------------------------------------------------------------
# Headers

_ENCODED_WORD = re.compile(r"=\?([^?\s]{1,75})\?([bBqQ])\?([^?\s]*)\?=")
_EW_GAP = re.compile(r"(\?=)\s+(=\?)")
_FOLD = re.compile(r"\r?\n(?=[ \t])|\r(?=[ \t])")
_WS = re.compile(r"\s+")


def _decode_encoded_words(value: str, hint: str | None = None) -> str:
    """Fallback RFC 2047 decoder, used when the email package's structured parse fails."""
    value = _fix_surrogates(value, hint)
    value = _EW_GAP.sub(r"\1\2", value)  # whitespace between adjacent encoded words is not text

    def word(match: re.Match) -> str:
        charset, enc, payload = match.group(1).split("*", 1)[0], match.group(2).lower(), match.group(3)
        try:
            if enc == "b":
                payload = re.sub(r"[^A-Za-z0-9+/]", "", payload)
                data = base64.b64decode(payload + "=" * (-len(payload) % 4))
            else:
                data = binascii.a2b_qp(payload.encode("ascii", "replace"), header=True)
        except (binascii.Error, ValueError):
            return match.group(0)
        return decode_bytes(data, charset, hint=hint)

    return _ENCODED_WORD.sub(word, value)


class _Headers:
    """Header access that never raises: structured (policy.default) first, raw text after."""

    def __init__(self, msg: Message, hint: str | None):
        self.msg = msg
        self.hint = hint
        self.raw: dict[str, list[str]] = {}
        for name, value in msg.raw_items():
            if not isinstance(value, str):  # pragma: no cover - raw_items yields str from the parser
                value = str(value)
            self.raw.setdefault(name.strip().lower(), []).append(_FOLD.sub("", value).strip())

    def first_raw(self, name: str) -> str:
        values = self.raw.get(name)
        return values[0] if values else ""

    def has(self, name: str) -> bool:
        return name in self.raw

    def text(self, name: str) -> str:
        """An unstructured header (Subject), decoded, whitespace collapsed.

        Decoded here rather than by policy.default, whose header values turn raw 8-bit bytes and
        encoded words in a wrong charset into U+FFFD before a better charset can be tried.
        """
        raw = self.first_raw(name)
        if not raw:
            return ""
        return _WS.sub(" ", _decode_encoded_words(raw, self.hint)).strip()

    def addresses(self, name: str) -> list[tuple[str, str]]:
        """(display name, lower-cased addr-spec) for every address in every `name` header."""
        if name not in self.raw:
            return []
        result: list[tuple[str, str]] = []
        values = self.raw[name]
        try:
            if sum(len(v) for v in values) > MAX_STRUCTURED_HEADER:
                raise ValueError("too long for the structured parser")
            for value in values:
                # Raw 8-bit bytes decoded first (with the message's charset as a hint); the
                # structured parse then sees text.
                header = _POLICY.header_factory(name, _fix_surrogates(value, self.hint))
                for address in header.addresses:
                    result.append((address.display_name or "", address.addr_spec or ""))
        except Exception:  # noqa: BLE001 - the stdlib address parser has many failure modes
            try:
                decoded = [_decode_encoded_words(v, self.hint) for v in values]
                result = [(n, a) for n, a in email.utils.getaddresses(decoded)]
            except Exception:  # noqa: BLE001 - e.g. RecursionError on thousands of nested comments
                result = []
        cleaned = []
        for display, addr in result:
            display = _WS.sub(" ", _fix_surrogates(display, self.hint)).strip().strip('"').strip()
            addr = _fix_surrogates(addr, self.hint).strip().strip("<>").lower()
            if not _ADDR_SPEC.match(addr):
                addr = ""
            cleaned.append((display, addr))
        return cleaned


_ADDR_SPEC = re.compile(r"^[^@\s<>]+@[^@\s<>]+$")
_MSGID = re.compile(r"<([^<>]{1,990})>")


def _message_ids(value: str) -> list[str]:
    """Every Message-ID in an In-Reply-To/References value, as "<...>", in order, once each."""
    ids: list[str] = []
    seen = set()
    found = _MSGID.findall(value)
    if not found:
        # Broken mailers write bare ids; a word with an @ is the best guess.
        found = [w for w in value.split() if "@" in w and len(w) <= 990]
    for candidate in found:
        candidate = _WS.sub("", candidate).strip("<>")
        if not candidate:
            continue
        normalised = f"<{_clean_text(candidate)}>"
        if normalised not in seen:
            seen.add(normalised)
            ids.append(normalised)
    return ids


def _parse_date(value: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed is None:
        return None
    if parsed.tzinfo is None:  # "-0000": the sender's zone is unknown; the instant is UTC
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed


# ---------------------------------------------------------------------------------------------
# Broken header blocks

_HEADER_LINE = re.compile(rb"^(?:From |[\x21-\x39\x3b-\x7e]+:|[ \t])")
_HEADER_NAME_LINE = re.compile(rb"^[\x21-\x39\x3b-\x7e]+:")
_BLANK_LINE = re.compile(rb"\r?\n\r?\n")


def _repair_header_block(raw: bytes) -> bytes:
    """Fold stray lines of the header block into the header before them.

    The parser ends the header block at the first line that is neither a header nor a
    continuation, and reads every header after it as body text. Such lines come from mailers
    that wrap long headers without the leading space; read as continuations, the headers after
    them survive. Only lines followed by a real header are touched: a message that simply lacks
    the blank line before its body keeps its body.
    """
    end = _BLANK_LINE.search(raw)
    if end is None:
        return raw
    block = raw[: end.start()]
    lines = block.split(b"\n")
    last_header = -1
    for index, line in enumerate(lines):
        if _HEADER_NAME_LINE.match(line):
            last_header = index
    if last_header <= 0:
        return raw
    broken = False
    for index in range(1, last_header):
        if not _HEADER_LINE.match(lines[index]):
            lines[index] = b" " + lines[index]
            broken = True
    if not broken:
        return raw
    return b"\n".join(lines) + raw[end.start():]

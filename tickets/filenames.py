"""Attachment file names safe to store and to show, whichever channel they came in by.

Pure (no Django): the API, the portal and inbound mail all store a customer's file name through
`safe_filename`, and show only what it returns.

Unicode format characters (category Cf: the bidi embeddings, overrides and isolates U+202A–E and
U+2066–9, the marks U+200E/F, zero-width joiners, the BOM) are removed rather than refused: they
are invisible, so the sender cannot see what to fix, and a name without them is the honest one.
"\u202egnp.exe" is stored as "gnp.exe", not shown as "exe.png". Other controls become "_".
"""
from __future__ import annotations

import re
import unicodedata

DEFAULT_NAME = "attachment"
MAX_BYTES = 200  # UTF-8 bytes; below every file system's 255 and the model's 255 characters
_INVISIBLE = frozenset({"Cf", "Cs", "Co", "Zl", "Zp"})  # format, lone surrogates, private use, separators
_UNSAFE = re.compile(r'[<>:"|?*]')
_WS = re.compile(r"\s+")


def _visible(char: str) -> str:
    category = unicodedata.category(char)
    if category in _INVISIBLE:
        return ""
    if category == "Cc":
        return " " if char in "\t\n\r\x0b\x0c" else "_"
    return char


def safe_filename(name: str | None, *, max_bytes: int = MAX_BYTES) -> str:
    """The last path segment of `name` without invisible or control characters, bounded in
    bytes (the extension kept), never empty and never a dot file."""
    if not name:
        return DEFAULT_NAME
    name = unicodedata.normalize("NFC", name.replace("\x00", ""))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(_visible(char) for char in name)
    name = _UNSAFE.sub("_", name)
    name = _WS.sub(" ", name).strip().lstrip(".").strip()
    if not name or set(name) <= {".", "_", " "}:
        return DEFAULT_NAME
    if len(name.encode("utf-8")) > max_bytes:
        stem, dot, ext = name.rpartition(".")
        if not dot or len(ext) > 16:
            stem, ext = name, ""
        suffix = f".{ext}" if ext else ""
        budget = max_bytes - len(suffix.encode("utf-8"))
        stem = stem.encode("utf-8")[:budget].decode("utf-8", "ignore").rstrip()
        name = stem + suffix
    return name

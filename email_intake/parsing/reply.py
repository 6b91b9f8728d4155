"""Trimming a reply to its new words: quoted history and signatures removed."""
from __future__ import annotations

import re

from .html import _MANY_BLANKS
from .mime import _normalise_newlines


# ---------------------------------------------------------------------------------------------
# Reply trimming

_ORIGINAL_MESSAGE = re.compile(
    r"^-{2,}\s*(?:original message|ursprüngliche nachricht|message d'origine|mensaje original|"
    r"messaggio originale|oorspronkelijk bericht|originalmeddelande|исходное сообщение)\s*-{2,}$",
    re.I,
)
_FORWARD_MARKER = re.compile(
    r"^(?:-{2,}\s*(?:forwarded message|weitergeleitete nachricht|message transféré|mensaje reenviado)\s*-{2,}"
    r"|begin forwarded message:|anfang der weitergeleiteten nachricht:)",
    re.I,
)
_HEADER_FROM = re.compile(r"^\*?(?:from|de|von|van|da|från|fra|od|от)\s*:\*?\s*\S", re.I)
_HEADER_OTHER = re.compile(
    r"^\*?(sent|date|to|cc|subject|envoyé|gesendet|an|betreff|objet|à|enviado|para|asunto|data|"
    r"oggetto|inviato|verzonden|aan|onderwerp|skickat|ämne|till|отправлено|кому|тема|дата)\s*:", re.I)
_ATTRIBUTION_START = re.compile(r"^(?:on|le|am|el|op|il|em|w dniu|den|dne|в|on\s+\w+,)\s", re.I)
_ATTRIBUTION_END = re.compile(
    r"(?:wrote|a écrit|schrieb|escribió|schreef|ha scritto|escreveu|napisał\(a\)|napisał|skrev|napsal|"
    r"написал\(а\)|написал|пишет|kirjoitti|írta)\s*:$",
    re.I,
)
_ADDRESS_ATTRIBUTION = re.compile(r"<[^<>\s]+@[^<>\s]+>\s*:$")
_MOBILE_SIGNATURE = re.compile(
    r"^(?:sent from my \w+|sent from (?:outlook|mail|yahoo mail|aol mail|samsung|my mobile|proton ?mail)\b|"
    r"sent via \w+|get outlook for (?:ios|android)|envoyé de mon \w+|von meinem \w+ gesendet|"
    r"enviado desde mi \w+|enviado do meu \w+|inviato da(?:l mio)? \w+|verzonden vanaf mijn \w+)",
    re.I,
)
_UNDERSCORES = re.compile(r"^_{10,}$")
_SEPARATOR = re.compile(r"^(?:[-_=*]\s*){5,}$")


def _is_signature_delimiter(line: str) -> bool:
    return line == "-- " or line.rstrip() == "--"


def _is_quoted(line: str) -> bool:
    return line.lstrip().startswith(">")


def _header_block_at(lines: list[str], index: int) -> bool:
    """An Outlook-style quoted header block ("From:", then Sent/To/Subject) starts here."""
    if not _HEADER_FROM.match(lines[index].strip()):
        return False
    seen = set()
    for line in lines[index + 1:index + 7]:
        match = _HEADER_OTHER.match(line.strip())
        if match:
            seen.add(match.group(1).lower())
    return len(seen) >= 2


def _after_forward_marker(lines: list[str], index: int) -> bool:
    checked = 0
    for line in reversed(lines[max(0, index - 4):index]):
        stripped = line.strip()
        if not stripped:
            continue
        if _FORWARD_MARKER.match(stripped):
            return True
        checked += 1
        if checked >= 2:
            break
    return False


def _attribution_end(lines: list[str], index: int) -> int | None:
    """If an "On <date>, <name> wrote:" line (possibly wrapped over 3 lines) starts here, the
    index of its last line."""
    stripped = lines[index].strip()
    if len(stripped) > 400:
        return None
    if _ATTRIBUTION_END.search(stripped) or _ADDRESS_ATTRIBUTION.search(stripped):
        if _ATTRIBUTION_START.match(stripped) or _next_is_quoted(lines, index + 1):
            return index
        return None
    if not _ATTRIBUTION_START.match(stripped):
        return None
    joined = stripped
    for end in range(index + 1, min(index + 3, len(lines))):
        part = lines[end].strip()
        if not part:
            return None
        joined += " " + part
        if len(joined) > 500:
            return None
        if _ATTRIBUTION_END.search(joined) or _ADDRESS_ATTRIBUTION.search(joined):
            return end
    return None


def _next_is_quoted(lines: list[str], start: int) -> bool:
    for line in lines[start:start + 3]:
        if line.strip():
            return _is_quoted(line)
    return False


def trim_reply(text: str) -> str:
    """The new words of a reply: quoted history and signatures removed.

    Cuts at "-----Original Message-----", at an Outlook "From:/Sent:/To:/Subject:" block, at a
    "-- " signature delimiter or a mobile signature ("Sent from my iPhone"), and at an
    "On ... wrote:" line followed only by quoted text. A reply written between quoted lines
    (bottom or inline posting) keeps its own lines; the quoted "> " lines are removed. A
    forwarded message ("---------- Forwarded message ---------") is content, not history, and
    is kept. If nothing would remain (a message that is all quote), the whole text is returned.
    """
    lines = _normalise_newlines(text or "").split("\n")
    count = len(lines)
    # next_content[i]: the first line at or after i that is the writer's own words (not quoted,
    # not blank), stopping at a signature; count when none. One backward pass keeps this linear.
    next_content = [count] * (count + 1)
    for index in range(count - 1, -1, -1):
        line = lines[index]
        stripped = line.strip()
        if _is_signature_delimiter(line) or (len(stripped) < 80 and _MOBILE_SIGNATURE.match(stripped)):
            next_content[index] = count
        elif stripped and not _is_quoted(line):
            next_content[index] = index
        else:
            next_content[index] = next_content[index + 1]

    cut = count
    dropped: set[int] = set()
    index = 0
    while index < count:
        line = lines[index]
        stripped = line.strip()
        if not stripped or _is_quoted(line):
            index += 1
            continue
        if _is_signature_delimiter(line) or _ORIGINAL_MESSAGE.match(stripped):
            cut = index
            break
        if len(stripped) < 80 and _MOBILE_SIGNATURE.match(stripped):
            cut = index
            break
        if _UNDERSCORES.match(stripped) and index + 1 < count:
            following = next((i for i in range(index + 1, min(index + 3, count)) if lines[i].strip()), None)
            if following is not None and _header_block_at(lines, following):
                cut = index
                break
        if _header_block_at(lines, index) and not _after_forward_marker(lines, index):
            cut = index
            break
        end = _attribution_end(lines, index)
        if end is not None:
            if next_content[end + 1] < count:
                # Inline reply: the writer's words continue below the quote.
                dropped.update(range(index, end + 1))
                index = end + 1
                continue
            cut = index
            break
        index += 1

    # A rule above the cut ("____", "----", an HTML <hr>) belongs to the history too.
    while cut > 0 and (not lines[cut - 1].strip() or _SEPARATOR.match(lines[cut - 1].strip())):
        cut -= 1
    kept = [line.rstrip() for i, line in enumerate(lines[:cut]) if i not in dropped and not _is_quoted(line)]
    result = _MANY_BLANKS.sub("\n\n", "\n".join(kept)).strip()
    return result if result else (text or "").strip()

"""What the subject and body tell us: severity, ticket token, and the guide's sections."""
from __future__ import annotations

import re

from .mime import _normalise_newlines
from .reply import _is_quoted, _is_signature_delimiter


# ---------------------------------------------------------------------------------------------
# Subject: severity and ticket token

_TOKEN = re.compile(r"(?<![A-Za-z0-9])ARA-(\d{1,12})-([A-Za-z0-9]{10})(?![A-Za-z0-9])", re.I)
_PLUS_TOKEN = re.compile(r"^[^@+]*\+(ARA-\d{1,12}-[A-Za-z0-9]{10})@", re.I)

_REPLY_PREFIX = re.compile(
    r"^(?:re|fwd?|aw|wg|sv|vs|tr|antw|rif|r|odp|enc|res|ynt|atb|vl|vb|rv|fs|转发|回复|回覆|答复|轉寄)"
    r"\s*(?:\[\d{1,3}\]|\(\d{1,3}\))?\s*[:：]\s*",
    re.I,
)
_OPEN = r"[\[({【［（<]"
_CLOSE = r"[\])}】］）>]"
_SEVERITY_AT_START = re.compile(
    rf"^{_OPEN}?\s*(?:p|sev(?:erity)?|priority)\s*[-_ ]?\s*([1-4])(?![0-9/|,])\s*{_CLOSE}?"
    r"(?=$|[\s:：\-–—|.,\]】］）)>]|[^\x00-\x7f])",
    re.I,
)
_LEADING_TAG = re.compile(rf"^{_OPEN}[^\[\]()【】［］（）<>]{{0,60}}{_CLOSE}\s*")
_SEVERITY_TAG_ANYWHERE = re.compile(rf"{_OPEN}\s*(?:p|sev(?:erity)?)\s*[-_ ]?([1-4])\s*{_CLOSE}", re.I)


def severity_from_subject(subject: str) -> str | None:
    """"P1".."P4" from the subject's start ("[P1]", "[p2]", "P2:", "(P3)", "P4 -", "Sev 1"),
    after Re:/Fwd: prefixes and other bracketed tags ("[EXTERNAL]", a ticket token); else a
    bracketed "[P1]"/"(P2)" anywhere. The template's "[P1/P2/P3/P4]" left unchanged is None."""
    rest = (subject or "")[:1000].strip()
    for _ in range(12):
        before = rest
        rest = _REPLY_PREFIX.sub("", rest, count=1).lstrip()
        match = _SEVERITY_AT_START.match(rest)
        if match:
            return f"P{match.group(1)}"
        rest = _LEADING_TAG.sub("", rest, count=1).lstrip()
        if rest == before:
            break
    match = _SEVERITY_TAG_ANYWHERE.search(subject[:1000] if subject else "")
    return f"P{match.group(1)}" if match else None


def ticket_token_from(subject: str, addresses: list[str] | tuple[str, ...] = ()) -> str | None:
    """The ticket token from a plus-address (machine-written, preferred) or the subject."""
    for address in addresses:
        match = _PLUS_TOKEN.match(address)
        if match:
            return _normalise_token(match.group(1))
    match = _TOKEN.search(subject or "")
    return _normalise_token(match.group(0)) if match else None


def _normalise_token(token: str) -> str:
    _, number, mac = token.split("-", 2)
    return f"ARA-{number}-{mac.lower()}"


# ---------------------------------------------------------------------------------------------
# The guide's "Email Format for Faster Response"

_SECTION_LABELS = (
    ("organization", r"organi[sz]ation(?:[ \t]+name)?|company(?:[ \t]+name)?"),
    ("account_id", r"account[ \t_-]*id|account[ \t]+(?:number|no\.?)"),
    ("environment", r"environment|env"),
    ("affected_users", r"(?:number[ \t]+of[ \t]+)?affected[ \t_-]+users|users[ \t_-]+affected"),
    ("description", r"(?:issue|problem)[ \t_-]+description|description(?:[ \t]+of[ \t]+(?:the[ \t]+)?(?:issue|problem))?"),
    ("business_impact", r"business[ \t_-]+impact|impact[ \t]+on[ \t]+(?:the[ \t]+)?business"),
    ("already_tried", r"already[ \t_-]+tried|tried[ \t]+already|(?:troubleshooting[ \t]+)?steps[ \t]+(?:already[ \t]+)?taken"
                      r"|what[ \t]+(?:we|i)(?:'ve|[ \t]+have)?[ \t]+(?:already[ \t]+)?tried"),
)
_LABEL_GROUPS = "|".join(f"(?P<{key}>{pattern})" for key, pattern in _SECTION_LABELS)
_SECTION_LINE = re.compile(
    r"^[ \t]*(?:(?:[-*•+‣◦▪·]|\d{1,2}[.)])[ \t]+)?"  # bullet or numbered item
    r"(?P<heading>\#{1,6}[ \t]*)?"  # markdown heading
    r"(?P<open>\*\*|__|\*|_)?[ \t]*"  # bold / italic
    rf"(?:{_LABEL_GROUPS})(?![\w])"
    r"[ \t]*(?:\*\*|__|\*|_)?[ \t]*"
    r"(?P<colon>[:：])?"
    r"[ \t]*(?:\*\*|__|\*|_)?"
    r"(?P<rest>.*)$",
    re.I,
)
_SINGLE_VALUE = {"organization", "account_id", "environment", "affected_users"}
# A sign-off on its own line ends the last section: "Thanks,\nDana" is not what they tried.
_VALEDICTION = re.compile(
    r"^[ \t]*(?:thanks?(?: you)?(?: in advance)?|many thanks|thx|cheers|best|best wishes|(?:best |kind |warm )?regards|"
    r"sincerely|br|kr|mit freundlichen grüßen|viele grüße|gruß|cordialement|saludos|un saludo|"
    r"с уважением|よろしくお願いします|よろしくお願いいたします)[ \t]*[,.!]?[ \t]*$",
    re.I,
)
_INLINE_LABEL = re.compile(rf"(?<![\w])(?:\*\*|__)?(?:{_LABEL_GROUPS})(?:\*\*|__)?[ \t]*[:：]", re.I)
_BULLET = re.compile(r"^[ \t]*(?:[-*•+‣◦▪·]|\d{1,2}[.)])[ \t]+")
_ACCOUNT_ID = re.compile(r"(?<![a-z0-9_])ara_[a-z0-9]+(?![a-z0-9_])", re.I)
_PLACEHOLDER_ACCOUNT = re.compile(r"^ara_x+$")
_PLACEHOLDERS = {
    "organization": {"your company name"},
    "environment": {"production / staging", "production/staging"},
    "affected_users": {"number or percentage"},
    "description": {"- what happened\n- when it started\n- steps to reproduce"},
    "business_impact": {"- how this affects operations"},
    "already_tried": {"- list troubleshooting steps taken"},
}


def _section_start(line: str) -> tuple[str, str] | None:
    """(key, value on the same line) if the line opens a known section."""
    if len(line) > 2000 or not line.strip():
        return None
    match = _SECTION_LINE.match(line)
    if not match:
        return None
    key = next(k for k, _ in _SECTION_LABELS if match.group(k) is not None)
    rest = match.group("rest").strip().strip("*_").strip()
    if match.group("colon"):
        return key, rest
    # Without a colon, only a heading or a line that is just the label opens a section.
    if not rest:
        return key, ""
    return None


def _split_inline(key: str, rest: str) -> list[tuple[str, str]]:
    """"Organization: Acme Account ID: ara_1 Environment: prod" on one line: one pair each."""
    pairs = [(key, rest)]
    if key not in _SINGLE_VALUE or ":" not in rest and "：" not in rest:
        return pairs
    while True:
        current_key, current = pairs[-1]
        match = _INLINE_LABEL.search(current)
        if not match:
            return pairs
        next_key = next(k for k, _ in _SECTION_LABELS if match.group(k) is not None)
        pairs[-1] = (current_key, current[:match.start()].strip().rstrip(",;|").strip())
        pairs.append((next_key, current[match.end():].strip()))
        if next_key not in _SINGLE_VALUE:
            return pairs


def _finish_value(key: str, lines: list[str]) -> str | None:
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        return None
    if key in _SINGLE_VALUE:
        items = [_BULLET.sub("", line).strip().strip("*_").strip() for line in lines]
        value = "; ".join(item for item in items if item)
    else:
        value = "\n".join(line.rstrip() for line in lines).strip()
    if not value or value.lower() in _PLACEHOLDERS.get(key, ()):
        return None
    if key == "account_id":
        for match in _ACCOUNT_ID.finditer(value):
            candidate = match.group(0).lower()
            if not _PLACEHOLDER_ACCOUNT.match(candidate):
                return candidate
        return None
    if key == "environment":
        return _normalise_environment(value)
    return value


def _normalise_environment(value: str) -> str:
    words = re.findall(r"[a-z]+", value.lower())
    production = {"production", "prod", "prd", "live"} & set(words)
    staging = {"staging", "stage", "stg"} & set(words)
    if words and production and not staging and words[0] in {"production", "prod", "prd", "live"}:
        return "production"
    if words and staging and not production and words[0] in {"staging", "stage", "stg"}:
        return "staging"
    return value


def parse_support_format(text: str) -> dict[str, str]:
    """The guide's sections found in a body (keys: organization, account_id, environment,
    affected_users, description, business_impact, already_tried). Missing, empty or
    template-placeholder sections are absent.

    A section runs from its label to the next known label, a signature delimiter, or the end.
    The first occurrence of a label wins. Without a labelled Account ID, a single distinct
    "ara_..." id in the unquoted text is taken.
    """
    fields: dict[str, str] = {}
    current: str | None = None
    buffer: list[str] = []

    def close() -> None:
        if current and current not in fields:
            value = _finish_value(current, buffer)
            if value:
                fields[current] = value

    for line in _normalise_newlines(text or "").split("\n"):
        if _is_signature_delimiter(line) or (len(line) < 60 and _VALEDICTION.match(line)):
            close()
            current, buffer = None, []
            continue
        start = _section_start(line)
        if start is None:
            if current:
                buffer.append(line)
            continue
        close()
        pairs = _split_inline(*start)
        for key, value in pairs[:-1]:
            if key not in fields:
                finished = _finish_value(key, [value])
                if finished:
                    fields[key] = finished
        current, first = pairs[-1]
        buffer = [first] if first else []
        if current in fields:  # a repeated label: its text is not the first answer
            current = None
    close()

    if "account_id" not in fields:
        ids = {m.group(0).lower() for line in _normalise_newlines(text or "").split("\n")
               if "ara_" in line.lower() and not _is_quoted(line)
               for m in _ACCOUNT_ID.finditer(line)}
        ids = {i for i in ids if not _PLACEHOLDER_ACCOUNT.match(i)}
        if len(ids) == 1:
            fields["account_id"] = ids.pop()
    return fields

"""HTML bodies: sanitising for staff, and conversion to readable plain text."""
from __future__ import annotations

import re
from html.parser import HTMLParser

import nh3

from .headers import _WS, _clean_text
from .limits import MAX_HTML_NESTING


# ---------------------------------------------------------------------------------------------
# HTML


# Tags the text conversion needs to see; everything else is unwrapped by nh3 (fast, in Rust)
# before the pure-Python converter runs, so Outlook's kilobytes of CSS cost nothing.
_TEXT_TAGS = {
    "a", "br", "p", "div", "li", "ul", "ol", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5", "h6",
    "tr", "td", "th", "table", "hr", "dt", "dd", "dl", "section", "article", "header", "footer",
}
# What staff see: nh3's safe default minus img (remote images would report to the sender when
# staff open the ticket, and cid: images cannot resolve outside the mail client anyway).
_HTML_TAGS = set(nh3.ALLOWED_TAGS) - {"img", "map", "area"}
_CLEAN_CONTENT = {"script", "style", "title", "noscript", "template", "object", "iframe", "svg", "math"}
_HTML_CLEAN_CONTENT = _CLEAN_CONTENT - _HTML_TAGS


_CONTAINER_TAG = re.compile(
    r"<(/?)(?:div|ul|ol|dl|blockquote|table|tbody|section|article|center|form|fieldset|nav|aside|header|"
    r"footer|main|figure|details|menu|dir|address)\b[^<>]*>?",
    re.I,
)


def _flatten_deep_html(html: str) -> str:
    """Replace block containers by line breaks when they nest deeper than any real mail does."""
    if len(html) < 4 * MAX_HTML_NESTING:
        return html
    depth = deepest = 0
    for match in _CONTAINER_TAG.finditer(html):
        depth = max(0, depth - 1) if match.group(1) else depth + 1
        if depth > deepest:
            deepest = depth
            if deepest > MAX_HTML_NESTING:
                return _CONTAINER_TAG.sub("<br>", html)
    return html


def sanitize_html(html: str) -> str:
    """HTML safe to show staff: no scripts, styles, event handlers, javascript: links or images."""
    return nh3.clean(_flatten_deep_html(_clean_text(html)), tags=_HTML_TAGS, clean_content_tags=_HTML_CLEAN_CONTENT)


_MAX_QUOTE_DEPTH = 8  # deeper blockquotes are flattened: the prefix must not grow with hostile nesting
_BLOCK_TAGS = {
    "p", "div", "ul", "ol", "table", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "dl", "dt", "dd",
    "section", "article", "header", "footer", "pre", "blockquote", "hr", "li",
}
_PARA_TAGS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "dl"}


class _TextWriter(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.quote = 0
        self.pre = 0
        self.link: str | None = None
        self.link_text: list[str] = []

    # Output

    def _flush(self) -> None:
        line = "".join(self.current).rstrip()
        self.current = []
        depth = min(self.quote, _MAX_QUOTE_DEPTH)
        if line or depth:
            self.lines.append("> " * depth + line if line else ">" * depth)
        else:
            self.lines.append("")

    def _block(self) -> None:
        if self.current and "".join(self.current).strip():
            self._flush()
        else:
            self.current = []

    def _para(self) -> None:
        self._block()
        blank = ">" * min(self.quote, _MAX_QUOTE_DEPTH)
        if self.lines and self.lines[-1].strip("> "):
            self.lines.append(blank)
        elif self.lines and len(self.lines[-1]) > len(blank):
            self.lines[-1] = blank  # leaving a blockquote: its blank line now has our depth

    # Parser callbacks

    def handle_starttag(self, tag, attrs):
        if tag == "br":
            self._flush()
        elif tag == "blockquote":
            self._para()
            self.quote += 1
        elif tag == "li":
            self._block()
            self.current.append("- ")
        elif tag in ("td", "th"):
            if self.current and "".join(self.current).strip():
                self.current.append(" ")
        elif tag == "hr":
            self._block()
            self.lines.append("-" * 8)
        elif tag == "pre":
            self._para()
            self.pre += 1
        elif tag in _PARA_TAGS:
            self._para()
        elif tag in _BLOCK_TAGS:
            self._block()
        elif tag == "a":
            href = dict(attrs).get("href") or ""
            self.link = href if href.startswith(("http://", "https://")) else None
            self.link_text = []

    def handle_endtag(self, tag):
        if tag == "blockquote":
            self._block()
            self.quote = max(0, self.quote - 1)
            self._para()
        elif tag == "pre":
            self._block()
            self.pre = max(0, self.pre - 1)
        elif tag in _PARA_TAGS:
            self._para()
        elif tag in _BLOCK_TAGS:
            self._block()
        elif tag == "a" and self.link:
            text = "".join(self.link_text).strip()
            if text and text != self.link and text not in self.link:
                self.current.append(f" <{self.link}>")
            self.link = None

    def handle_data(self, data):
        if self.pre:
            parts = data.replace("\r\n", "\n").split("\n")
            for index, part in enumerate(parts):
                if index:
                    self._flush()
                self.current.append(part)
            return
        data = _WS.sub(" ", data)
        if not self.current or self.current[-1].endswith(" "):
            data = data.lstrip()
        if data:
            self.current.append(data)
            if self.link is not None:
                self.link_text.append(data)

    def text(self) -> str:
        self.close()
        self._block()
        return "\n".join(self.lines)


_MANY_BLANKS = re.compile(r"\n{3,}")
_QUOTE_BLANKS = re.compile(r"(?m)^(>+)\n(?:\1\n)+")


def html_to_text(html: str) -> str:
    """Readable plain text of an HTML body: paragraphs, list items as "- ", blockquotes as "> "."""
    reduced = nh3.clean(_flatten_deep_html(_clean_text(html)), tags=_TEXT_TAGS, attributes={"a": {"href"}},
                        clean_content_tags=_CLEAN_CONTENT, link_rel=None)
    writer = _TextWriter()
    writer.feed(reduced)
    text = writer.text().replace("\xa0", " ")
    text = _QUOTE_BLANKS.sub(r"\1\n", text)
    return _MANY_BLANKS.sub("\n\n", text).strip()

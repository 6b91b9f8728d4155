"""What in a page a strict Content-Security-Policy would block: inline style attributes, event
handler attributes, javascript: links, and inline <script>/<style> without the response's nonce."""
import re
from html.parser import HTMLParser


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in header.split(";") if part.strip())}


def response_nonce(response) -> str | None:
    found = re.search(r"'nonce-([^']+)'", " ".join(policy(response).get("script-src", [])))
    return found.group(1) if found else None


class _Audit(HTMLParser):
    def __init__(self, nonce):
        super().__init__()
        self.nonce, self.blocked = nonce, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name, value in attrs.items():
            if name == "style" or name.startswith("on") or (value or "").strip().lower().startswith("javascript:"):
                self.blocked.append(f"<{tag} {name}={value!r}>")
        inline = tag == "style" or (tag == "script" and "src" not in attrs)
        if inline and (self.nonce is None or attrs.get("nonce") != self.nonce):
            self.blocked.append(f"<{tag}> without the response's nonce")


def blocked_by_csp(response) -> list[str]:
    audit = _Audit(response_nonce(response))
    audit.feed(response.content.decode())
    return audit.blocked

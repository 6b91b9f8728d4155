"""Ticket tokens for mail threading: "ARA-<ticket id>-<10 hex of an HMAC>".

Carried in the subject and the reply address of ticket mail, so a customer's reply finds its
ticket even when their client drops In-Reply-To. The HMAC makes a token unguessable: knowing a
ticket number is not enough to post into it (and the sender must still be a participant).
"""
import hashlib
import hmac
import re

from django.conf import settings

TOKEN_RE = re.compile(r"^ARA-(\d{1,12})-([0-9a-z]{10})$", re.IGNORECASE)


def _mac(ticket_id: int) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"ticket:{ticket_id}".encode(), hashlib.sha256).hexdigest()[:10]


def ticket_token(ticket_id: int) -> str:
    return f"ARA-{ticket_id}-{_mac(ticket_id)}"


def ticket_id_from_token(token: str | None) -> int | None:
    match = TOKEN_RE.match(token or "")
    if not match:
        return None
    ticket_id = int(match.group(1))
    return ticket_id if hmac.compare_digest(match.group(2).lower(), _mac(ticket_id)) else None


def reply_address(ticket_id: int) -> str:
    """support+ARA-42-…@aragora.ai: replies land in the support mailbox, tagged with the ticket."""
    local, _, domain = settings.SUPPORT_REPLY_ADDRESS.partition("@")
    return f"{local}+{ticket_token(ticket_id)}@{domain}"

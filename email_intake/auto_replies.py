"""Automatic replies to inbound mail: what they say, and how often an address gets one.

From is anyone's to write. An automatic reply goes to whoever an attacker names there, so it
carries nothing the sender wrote (no subject, no quote: backscatter that carries an attacker's
text is spam in our name), and an address gets at most one per EMAIL_AUTO_REPLY_INTERVAL_HOURS
however many messages name it (counted in the database: several workers, restarts).
"""
from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from notifications.services import notification_enqueue

from .models import AutoReplyRecipient


def free_tier_reply(*, inbound, address: str, organization, member: bool) -> str:
    """Answer mail for a Free organisation with the guide's community channels (Free is
    supported in the community forums and GitHub issues), if the address may have an automatic
    reply now. Returns the message's reason. The organisation is named only to its own member,
    not to whoever quotes its Account ID. Keyed by Message-ID too (else the stored copy's unique
    name, which a reprocess keeps); auto-generated messages never reach here (services._decide)."""
    hours = settings.EMAIL_AUTO_REPLY_INTERVAL_HOURS
    if not address:
        return "Free tier: no address to answer."
    if not auto_reply_claim(address, hours=hours):
        return (f"Free tier: not answered, {address} had an automatic reply within the last {hours} h "
                f"(one per address per {hours} h).")
    notification_enqueue(
        key=f"free_tier_reply:{inbound.message_id or inbound.raw.name}", channel="email", recipient=address,
        template="free_tier_reply",
        context={"organization": organization.name if member else "", "channels": organization.tier.channels},
    )
    return "Free tier: answered with the community channels."


def auto_reply_claim(address: str, *, hours: int) -> bool:
    """Claim `address`'s automatic reply: True (and recorded) unless it had one in `hours`.

    A conditional UPDATE, then an insert for a new address: two workers answering the same
    address at once cannot both claim it (the second UPDATE waits for the first and then finds
    the row fresh; a second insert fails on the unique address and finds the row)."""
    now = timezone.now()
    stale = AutoReplyRecipient.objects.filter(address=address, last_sent_at__lte=now - timedelta(hours=hours))
    if stale.update(last_sent_at=now):
        return True
    _, created = AutoReplyRecipient.objects.get_or_create(address=address, defaults={"last_sent_at": now})
    return created

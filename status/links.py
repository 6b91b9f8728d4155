"""Signed links for status subscriptions (django.core.signing): confirming a subscription
(double opt-in, valid STATUS_CONFIRM_HOURS) and unsubscribing (no expiry: every mail carries one,
and an old mail's link must still work). A link only identifies the subscription; a GET shows a
page with a button, only the POST from it changes anything (mail scanners open links)."""
from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse

CONFIRM_SALT = "status.subscription.confirm"
UNSUBSCRIBE_SALT = "status.subscription.unsubscribe"


class BadLink(Exception):
    """A forged, altered or misdirected link; the message is safe to show."""


class ExpiredLink(BadLink):
    """A genuine link past its time."""


def _base() -> str:
    return settings.SITE_URL.rstrip("/")


def _token(subscriber, salt: str, **extra) -> str:
    # Bound to the address too: a subscriber row re-used for another address invalidates old links.
    return signing.dumps({"s": subscriber.pk, "e": subscriber.email.lower(), **extra}, salt=salt, compress=True)


def confirm_url(subscriber, component_ids=()) -> str:
    """The components chosen travel signed in the link: they take effect when it is confirmed."""
    return _base() + reverse("status:confirm", args=[_token(subscriber, CONFIRM_SALT, c=sorted(component_ids))])


def unsubscribe_url(subscriber) -> str:
    return _base() + reverse("status:unsubscribe", args=[_token(subscriber, UNSUBSCRIBE_SALT)])


def read(token: str, *, salt: str) -> dict:
    """{"s": subscriber id, "e": email, "c": component ids (confirm links)}."""
    max_age = timedelta(hours=settings.STATUS_CONFIRM_HOURS) if salt == CONFIRM_SALT else None
    try:
        data = signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise ExpiredLink("This confirmation link has expired. Subscribe again to get a new one.") from exc
    except signing.BadSignature as exc:
        raise BadLink("This link is not valid. Please use the link from your email.") from exc
    if not isinstance(data, dict) or not isinstance(data.get("s"), int) or not isinstance(data.get("e"), str) \
            or not all(isinstance(c, int) for c in data.get("c", [])):
        raise BadLink("This link is not valid. Please use the link from your email.")
    return data

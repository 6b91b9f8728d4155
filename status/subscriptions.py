"""Email subscriptions to the status page: double opt-in by a signed link, one-click
unsubscribe. The subscribe answer never says whether an address was known (docs/status.md)."""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from notifications.services import notification_enqueue_many

from . import links
from .models import Subscriber


@transaction.atomic
def subscription_request(*, email: str, components) -> None:
    """Ask `email` to confirm (a confirmed address is asked again only to change its components).
    Nothing is sent to anyone else; the caller answers the same whatever happened."""
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ValidationError({"email": "Enter a valid email address."}) from exc
    subscriber, _ = Subscriber.objects.select_for_update().get_or_create(email=email)
    # The choice takes effect on confirmation: an address cannot be re-subscribed by a stranger.
    token_url = links.confirm_url(subscriber, [c.pk for c in components])
    notification_enqueue_many([{
        "key": f"status_subscribe:{subscriber.pk}:{timezone.now():%Y%m%d%H%M}", "channel": "email",
        "recipient": email, "template": "status_confirm",
        "context": {"confirm_url": token_url, "components": [c.name for c in components]}}])


def _subscriber(token: str, salt: str) -> tuple[Subscriber, list[int]]:
    data = links.read(token, salt=salt)
    subscriber = Subscriber.objects.filter(pk=data["s"], email=data["e"]).first()
    if subscriber is None:
        raise links.BadLink("This link is no longer valid: the subscription was cancelled. Subscribe again.")
    return subscriber, data.get("c", [])


def subscriber_from_confirm(token: str) -> tuple[Subscriber, list[int]]:
    return _subscriber(token, links.CONFIRM_SALT)


def subscriber_from_unsubscribe(token: str) -> Subscriber:
    return _subscriber(token, links.UNSUBSCRIBE_SALT)[0]


@transaction.atomic
def subscription_confirm(*, subscriber: Subscriber, component_ids) -> Subscriber:
    subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
    subscriber.confirmed_at = subscriber.confirmed_at or timezone.now()
    subscriber.save(update_fields=["confirmed_at"])
    from .models import Component

    subscriber.components.set(Component.objects.filter(pk__in=list(component_ids)))
    return subscriber


@transaction.atomic
def subscription_cancel(*, subscriber: Subscriber) -> None:
    Subscriber.objects.filter(pk=subscriber.pk).delete()

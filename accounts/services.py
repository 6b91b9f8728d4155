"""Writes of people's own account settings: profile and API tokens."""
from __future__ import annotations

import unicodedata
import zoneinfo
from datetime import timedelta
from functools import cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .models import ApiToken, TokenScope, User
from .tokens import key_digest, new_key, shown_prefix

NOTIFICATION_PREFERENCES = ("notify_ticket_receipt", "notify_staff_reply", "notify_status_change", "notify_nps_survey")


@cache
def time_zone_names() -> tuple[str, ...]:
    # The IANA names only: ZoneInfo() would also load "posix/..." paths and legacy aliases.
    return tuple(sorted(zoneinfo.available_timezones() | {"UTC"}))


@transaction.atomic
def profile_update(*, user: User, first_name: str, last_name: str, timezone_name: str, **preferences: bool) -> User:
    """Name, time zone and notification preferences; refuses an unknown zone, saving nothing."""
    unknown = set(preferences) - set(NOTIFICATION_PREFERENCES)
    if unknown:
        raise TypeError(f"unknown preferences: {', '.join(sorted(unknown))}")
    if timezone_name and timezone_name not in time_zone_names():  # "": automatic (accounts.middleware)
        raise ValidationError({"timezone": f"Unknown time zone {timezone_name!r}: choose one from the list."})
    user.first_name, user.last_name, user.timezone = first_name.strip(), last_name.strip(), timezone_name
    for name, value in preferences.items():
        setattr(user, name, bool(value))
    user.save(update_fields=["first_name", "last_name", "timezone", *preferences])
    return user


def _clean_token_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name or len(name) > 100:
        raise ValidationError({"name": "Give the token a name of 1 to 100 characters."})
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in name):
        raise ValidationError({"name": "The name may not hold control or formatting characters."})
    return name


@transaction.atomic
def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for the user and its key, which exists only in this return value."""
    name = _clean_token_name(name)
    now = timezone.now()
    # Locks the user row: two concurrent creations cannot both pass the limit.
    User.objects.select_for_update().filter(pk=user.pk).first()
    ApiToken.objects.filter(user=user, expires_at__lte=now).delete()
    limit = settings.API_TOKEN_MAX_PER_USER
    if ApiToken.objects.filter(user=user).count() >= limit:
        raise ValidationError(
            f"You have {limit} API tokens, the most one person may hold: revoke one on your profile page first.")
    key = new_key()
    token = ApiToken.objects.create(
        user=user, name=name, digest=key_digest(key), prefix=shown_prefix(key), created_at=now,
        expires_at=now + timedelta(days=settings.API_TOKEN_TTL_DAYS))
    return token, key


SERVICE_USERNAME = "aragora-usage-reporter"


@transaction.atomic
def usage_token_create(*, name: str, days: int = 365) -> tuple[ApiToken, str]:
    """A token for Aragora's platform that may only report usage (TokenScope.USAGE). It belongs to
    a service user who is neither staff nor a customer and cannot sign in (no usable password),
    so the key is the only thing it has, and the key opens one endpoint."""
    name = _clean_token_name(name)
    user, created = User.objects.get_or_create(username=SERVICE_USERNAME, defaults={"is_active": True})
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    key, now = new_key(), timezone.now()
    token = ApiToken.objects.create(
        user=user, name=name, digest=key_digest(key), prefix=shown_prefix(key), created_at=now,
        expires_at=now + timedelta(days=days), scope=TokenScope.USAGE)
    return token, key


@transaction.atomic
def api_token_revoke(*, user: User, token_id: int) -> None:
    """Revokes one of the user's own tokens; another user's token is ApiToken.DoesNotExist."""
    ApiToken.objects.filter(user=user).get(pk=token_id).delete()


@transaction.atomic
def api_tokens_revoke_all(*, user: User) -> int:
    deleted, _ = ApiToken.objects.filter(user_id=user.pk).delete()
    return deleted

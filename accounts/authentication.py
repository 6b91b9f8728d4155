"""API token authentication that remembers, in the shared cache, whose a token is.

Tokens are `accounts.ApiToken` rows holding only the SHA-256 of their key (accounts/tokens.py).
Reading the token and its user from the database on every request was 40% of a cached ticket
list (bench/api_tickets.py), so with a shared cache the few user fields that requests need,
and the token's id and expiry, are kept there: one cache read per request. The user object is
built with every other field deferred (a save() then writes only the fields it holds).

Revocation stays immediate: deleting a token (revoking it, a password change or reset, a
deactivation) or saving its user (staff status, organisation, role) drops the cached entry,
at once and again after commit (accounts.token_signals). Expiry is checked on every request,
cached or not. The TTL bounds what a bulk update that sends no signal could leave behind.
"""
import logging
from datetime import datetime, timedelta, timezone as dt_timezone

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from .models import ApiToken, User
from .tokens import key_digest

TTL_SECONDS = 60
# `last used` is written at most this often per token: a write per request would cost more
# than the read the cache saves.
LAST_USED_RESOLUTION = timedelta(minutes=5)
_HELD = {"id", "username", "is_active", "is_staff", "is_superuser", "organization_id", "customer_role", "timezone"}
# Model.from_db takes attribute names (FKs by *_id) and values in the model's field order.
FIELDS = [f.attname for f in User._meta.concrete_fields if f.attname in _HELD]

INVALID = "Invalid token."
OUT_OF_SCOPE = "This token may only report usage (POST /api/v1/usage/)."
INACTIVE = "User inactive or deleted."

logger = logging.getLogger(__name__)


def cache_key_for_digest(digest: str) -> str:
    # Never the token itself in a key name: cache keys show up in monitoring and dumps.
    return "auth:token:" + digest


def cache_key(token_key: str) -> str:
    return cache_key_for_digest(key_digest(token_key))


def forget_digest(digest: str) -> None:
    try:
        cache.delete(cache_key_for_digest(digest))
    except Exception:
        # The entry may outlive this change by its TTL; the cache being down, nobody reads it now.
        logger.warning("token cache unreachable; entry not dropped", exc_info=True)


def forget(token_key: str) -> None:
    forget_digest(key_digest(token_key))


def expired_message(expires_at: datetime) -> str:
    return (f"Token expired on {expires_at.astimezone(dt_timezone.utc):%Y-%m-%d %H:%M} UTC. "
            "Create a new one on your profile page or with POST /api/v1/auth/token/.")


def _check_expiry(expires_at: datetime) -> None:
    if expires_at <= timezone.now():
        raise AuthenticationFailed(expired_message(expires_at))


def _from_database(digest: str) -> tuple[User, ApiToken]:
    try:
        token = ApiToken.objects.select_related("user").get(digest=digest)
    except ApiToken.DoesNotExist:
        raise AuthenticationFailed(INVALID)
    if not token.user.is_active:
        raise AuthenticationFailed(INACTIVE)
    _check_expiry(token.expires_at)
    now = timezone.now()
    if token.last_used_at is None or token.last_used_at <= now - LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token.user, token


class CachedTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`; DRF's header parsing, our token model and cache."""

    model = ApiToken

    def authenticate_credentials(self, key):
        digest = key_digest(key)
        if not settings.AUTH_TOKEN_CACHE:
            return _from_database(digest)
        try:
            snapshot = cache.get(cache_key_for_digest(digest))
        except Exception:  # a cache outage must not lock everyone out: ask the database
            logger.warning("token cache unreachable; authenticating from the database", exc_info=True)
            return _from_database(digest)
        if snapshot is None:
            user, token = _from_database(digest)
            entry = {**{f: getattr(user, f) for f in FIELDS}, "token_id": token.pk, "expires_at": token.expires_at,
                     "scope": token.scope}
            try:
                cache.set(cache_key_for_digest(digest), entry, TTL_SECONDS)
            except Exception:
                logger.warning("token cache unreachable; entry not stored", exc_info=True)
            return user, token
        _check_expiry(snapshot["expires_at"])
        user = User.from_db("default", FIELDS, [snapshot[f] for f in FIELDS])
        return user, ApiToken(pk=snapshot["token_id"], user_id=user.pk, digest=digest,
                              expires_at=snapshot["expires_at"], scope=snapshot.get("scope", ""))

    def authenticate(self, request):
        """A scoped token works only on the views that name its scope (`token_scopes`), every
        other view refuses it as a bad credential: the rule holds without each view knowing it."""
        result = super().authenticate(request)
        if result is not None and result[1].scope:
            view = (getattr(request, "parser_context", None) or {}).get("view")
            if result[1].scope not in getattr(view, "token_scopes", ()):
                raise AuthenticationFailed(OUT_OF_SCOPE)
        return result

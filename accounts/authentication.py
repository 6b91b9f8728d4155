"""API token authentication that remembers, in the shared cache, whose a token is.

DRF's TokenAuthentication reads the token and its user from the database on every request:
on the ticket list that one query was 40% of a cached request (bench/api_tickets.py). Here the
few user fields that requests need are kept in the cache; the user object is built with every
other field deferred (a save() then writes only the fields it holds).

Revocation stays immediate: deleting or saving a token, or saving its user (deactivating,
changing staff status, organisation or role), drops the cached entry (accounts.signals).
The TTL bounds what a bulk update that sends no signal could leave behind.
"""
import hashlib
import logging

from django.conf import settings
from django.core.cache import cache
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from .models import User

TTL_SECONDS = 60
_HELD = {"id", "username", "is_active", "is_staff", "is_superuser", "organization_id", "customer_role", "timezone"}
# Model.from_db takes attribute names (FKs by *_id) and values in the model's field order.
FIELDS = [f.attname for f in User._meta.concrete_fields if f.attname in _HELD]


logger = logging.getLogger(__name__)


def cache_key(token_key: str) -> str:
    # Never the token itself in a key name: cache keys show up in monitoring and dumps.
    return "auth:token:" + hashlib.sha256(token_key.encode()).hexdigest()


def forget(token_key: str) -> None:
    try:
        cache.delete(cache_key(token_key))
    except Exception:
        # The entry may outlive this change by its TTL; the cache being down, nobody reads it now.
        logger.warning("token cache unreachable; entry not dropped", exc_info=True)


class CachedTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        if not settings.AUTH_TOKEN_CACHE:
            return super().authenticate_credentials(key)
        try:
            snapshot = cache.get(cache_key(key))
        except Exception:  # a cache outage must not lock everyone out: ask the database
            logger.warning("token cache unreachable; authenticating from the database", exc_info=True)
            return super().authenticate_credentials(key)
        if snapshot is None:
            user, token = super().authenticate_credentials(key)  # refuses unknown and inactive
            try:
                cache.set(cache_key(key), {f: getattr(user, f) for f in FIELDS}, TTL_SECONDS)
            except Exception:
                logger.warning("token cache unreachable; entry not stored", exc_info=True)
            return user, token
        user = User.from_db("default", FIELDS, [snapshot[f] for f in FIELDS])
        return user, Token(key=key, user_id=user.pk)

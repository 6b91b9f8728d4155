"""API token keys: made, hashed and shortened here, and nowhere else (pure: no models)."""
import hashlib
import secrets

# A recognisable prefix lets secret scanners (and people) tell an Aragora token from noise.
KEY_PREFIX = "arat_"
SHOWN_PREFIX_LENGTH = len(KEY_PREFIX) + 4


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(24)  # 192 random bits, 32 characters


def key_digest(key: str) -> str:
    """What the database stores and what the cache is keyed by: never the key itself."""
    return hashlib.sha256(key.encode()).hexdigest()


def shown_prefix(key: str) -> str:
    return key[:SHOWN_PREFIX_LENGTH]

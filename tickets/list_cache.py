"""Generational cache for API ticket-list pages.

A page is stored under a key that holds the *generation* of the tickets it shows: one counter
per organisation, and one for staff's all-tickets view. Every change to a ticket is logged as
a TicketEvent (tickets.services._event); that is where the generations are bumped, after commit.
A page built from data older than its generation can only be stored under a generation no
reader asks for any more, so a reader never sees a list older than the last committed change.

It needs a cache shared by every process (Redis): with a per-process cache a write made by one
process would leave the others' pages stale. So it is on only when settings.TICKET_LIST_CACHE is.
"""
import hashlib
import time

from django.conf import settings
from django.core.cache import cache

TTL_SECONDS = 300
ALL = "tickets:gen:all"


def enabled() -> bool:
    return settings.TICKET_LIST_CACHE


def _org_key(organization_id: int) -> str:
    return f"tickets:gen:org:{organization_id}"


def _fresh_generation() -> int:
    # Unique per (re)creation, so a generation lost from the cache never matches an old page.
    return time.time_ns()


def _generation(key: str) -> int:
    value = cache.get(key)
    if value is None:
        cache.add(key, _fresh_generation(), timeout=None)
        value = cache.get(key)
    return value


def page_key(user, request) -> str:
    """The cache key of the page this user asked for, at the current generation of their scope."""
    if user.is_staff:
        scope, generation = "staff", _generation(ALL)
    else:
        scope = f"org{user.organization_id}" + ("" if user.is_customer_admin else f":user{user.pk}")
        generation = _generation(_org_key(user.organization_id))
    query = "&".join(sorted(f"{k}={v}" for k, values in request.query_params.lists() for v in values))
    digest = hashlib.blake2b(f"{request.get_host()}?{query}".encode(), digest_size=16).hexdigest()
    return f"tickets:page:{scope}:{generation}:{digest}"


def get(key: str):
    return cache.get(key)


def put(key: str, body) -> None:
    cache.set(key, body, TTL_SECONDS)


def _bump(key: str) -> None:
    try:
        cache.incr(key)
    except ValueError:  # not in the cache: the next reader starts a fresh generation
        pass


def invalidate(organization_id: int) -> None:
    if enabled():
        _bump(_org_key(organization_id))
        _bump(ALL)

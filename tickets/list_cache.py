"""Generational cache for API ticket-list pages.

Each scope (one organisation; staff's all-tickets view) has a *generation* counter. A page is
stored together with the generation it was built at, and served only while that generation is
current. Every change to a ticket is logged as a TicketEvent and announced (tickets.events); the
subscriber below bumps the generations, after commit. So a reader never gets a list older than the
last committed change; at worst two readers racing a write both rebuild the page.

One round trip per request: the generation and the page are read together. SLA states change
as time passes, so a page is also keyed by the current minute (the sweep's own granularity).

It needs a cache shared by every process (Redis): with a per-process cache a write made by one
process would leave the others' pages stale. So it is on only when settings.TICKET_LIST_CACHE is.
"""
import hashlib
import logging
import time
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache

TTL_SECONDS = 300
ALL = "tickets:gen:all"
logger = logging.getLogger(__name__)

# A cache outage must never fail a request or a write: lists are then built from the database.
# (Redis restarts empty here, so no page older than the outage survives it.)


def enabled() -> bool:
    return settings.TICKET_LIST_CACHE


def _org_key(organization_id: int) -> str:
    return f"tickets:gen:org:{organization_id}"


def _fresh_generation() -> int:
    # Unique per (re)creation, so a generation lost from the cache never matches an old page.
    return time.time_ns()


class Lookup:
    """The cache slot of one page for one viewer: `hit` holds the body if it is current."""

    def __init__(self, user, request):
        if user.is_staff:
            scope, self.generation_key = "staff", ALL
        else:
            scope = f"org{user.organization_id}" + ("" if user.is_customer_admin else f":user{user.pk}")
            self.generation_key = _org_key(user.organization_id)
        # Encoded, not joined raw: "a=1%26b%3D2" and "a=1&b=2" are different queries, so different pages.
        query = urlencode(sorted((k, v) for k, values in request.query_params.lists() for v in values))
        # SLA states move with the clock, not only with writes: a page is good for its minute.
        minute = int(time.time() // 60)
        digest = hashlib.blake2b(f"{request.get_host()}?{query}@{minute}".encode(), digest_size=16).hexdigest()
        self.page_key = f"tickets:page:{scope}:{digest}"
        self.hit = self.generation = None
        try:
            found = cache.get_many([self.generation_key, self.page_key])
            self.generation = found.get(self.generation_key)
            if self.generation is None:
                cache.add(self.generation_key, _fresh_generation(), timeout=None)
                self.generation = cache.get(self.generation_key)
        except Exception:
            logger.warning("ticket list cache unreachable; serving from the database", exc_info=True)
            return
        page = found.get(self.page_key)
        self.hit = page[1] if page and page[0] == self.generation else None

    def store(self, body: bytes) -> None:
        if self.generation is None:
            return
        try:
            cache.set(self.page_key, (self.generation, body), TTL_SECONDS)
        except Exception:
            logger.warning("ticket list cache unreachable; page not stored", exc_info=True)


def _bump(key: str) -> None:
    try:
        cache.incr(key)
    except ValueError:  # not in the cache: the next reader starts a fresh generation
        pass
    except Exception:
        logger.warning("ticket list cache unreachable; generation %s not bumped", key, exc_info=True)


def invalidate(organization_id: int) -> None:
    if enabled():
        _bump(_org_key(organization_id))
        _bump(ALL)


def invalidate_many(organization_ids, *, chunk: int = 1000) -> None:
    """After a bulk load (demo.scale) that bypassed the services: every listed organisation's pages
    and staff's are stale. Deleting a generation is as good as bumping it (the next reader starts a
    fresh, never-seen generation), and a delete of many keys is one round trip per chunk, where
    bumping them one by one would be one per organisation (10,000 at scale)."""
    if not enabled():
        return
    ids = list(organization_ids)
    try:
        for start in range(0, len(ids), chunk):
            cache.delete_many([_org_key(i) for i in ids[start:start + chunk]])
    except Exception:
        logger.warning("ticket list cache unreachable; %d organisations not invalidated", len(ids), exc_info=True)
    _bump(ALL)


def ticket_changes_invalidate(changes) -> None:
    """Subscriber to every ticket event (wired in TicketsConfig.ready): after the change commits,
    the organisation's pages and staff's are stale. Once per organisation of the batch."""
    from django.db import transaction

    for organization_id in sorted({change.ticket.organization_id for change in changes}):
        transaction.on_commit(lambda organization_id=organization_id: invalidate(organization_id))

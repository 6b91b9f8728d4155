"""Probes: /healthz (this process answers) and /readyz (what it needs answers too).

docs/observability.md. Each check of /readyz has a short timeout (READYZ_TIMEOUT_SECONDS), so a
broker or cache that is down, or silent, makes the probe say so quickly instead of hanging the
load balancer's request; the checks run one after another, so the worst case is their sum.
"""
from __future__ import annotations

import logging
import time

import redis
from django.conf import settings
from django.core.cache import cache
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.models import Heartbeat

from .celery import app as celery_app

logger = logging.getLogger(__name__)

# The names accounts.tasks.record_heartbeat (run by a worker, sent by beat every minute) and
# aragora_support.beat.Scheduler (beat itself, on every tick) write.
WORKER, BEAT = "worker", "beat"


@never_cache
@require_GET
def healthz(request):
    """Liveness: the process runs and serves requests. No database, broker or cache is touched,
    so a restart is never ordered because something else is down (that is /readyz's to say)."""
    return JsonResponse({"status": "ok"})


class CheckFailed(Exception):
    """A check's own verdict (stale heartbeat), as opposed to an error reaching a service."""


def _timed(check) -> dict:
    started = time.perf_counter()
    try:
        detail = check() or {}
        result = {"ok": True, **detail}
    except CheckFailed as exc:  # our own words: an age, a limit
        result = {"ok": False, "error": str(exc)}
    except Exception as exc:  # every failure is reported by name, none is a 500
        # A driver's message names hosts, ports and users; the probe is public. The log has it,
        # the answer has its kind.
        logger.warning("readyz: %s failed: %s", getattr(check, "__name__", "check"), str(exc)[:500])
        result = {"ok": False, "error": type(exc).__name__}
    result["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return result


def _timeout() -> float:
    return settings.READYZ_TIMEOUT_SECONDS


def check_broker() -> None:
    # A connection of its own with short timeouts (not the app's pool): a pooled connection would
    # answer from a socket opened before the broker went away.
    timeout = _timeout()
    with celery_app.connection_for_write(
        settings.CELERY_BROKER_URL, connect_timeout=timeout,
        transport_options={"socket_timeout": timeout, "socket_connect_timeout": timeout, "max_retries": 0},
    ) as conn:
        conn.ensure_connection(max_retries=0, timeout=timeout)
        client = getattr(conn.default_channel, "client", None)  # Redis transport: ask the server
        if client is not None:
            client.ping()


# kombu imports a transport's module on first use (30 to 300 ms measured): done here, when the
# URLconf loads, so a process's first /readyz is as quick as the rest. No connection is opened.
celery_app.connection_for_write(settings.CELERY_BROKER_URL).release()

_redis_clients: dict[str, redis.Redis] = {}


def check_cache() -> None:
    config = settings.CACHES["default"]
    if config["BACKEND"].endswith("RedisCache"):
        # Django's Redis cache has no socket timeout unless configured, and swallows nothing: a
        # client of its own (kept per process, pooled) with the probe's timeouts.
        location = config["LOCATION"] if isinstance(config["LOCATION"], str) else config["LOCATION"][0]
        client = _redis_clients.get(location)
        if client is None:
            client = _redis_clients[location] = redis.Redis.from_url(
                location, socket_connect_timeout=_timeout(), socket_timeout=_timeout())
        client.ping()
        return
    key = "readyz:probe"
    cache.set(key, "1", 10)
    if cache.get(key) != "1":
        raise CheckFailed("the cache did not return what was stored")


def _age_check(seen_at, *, now, limit: int, what: str):
    def check():
        if seen_at is None:
            raise CheckFailed(f"no {what} recorded yet")
        age = (now - seen_at).total_seconds()
        if age > limit:
            raise CheckFailed(f"last {what} {age:.0f} s ago (limit {limit} s)")
        return {"age_seconds": round(max(age, 0.0), 1)}
    return check


def readiness() -> dict[str, dict]:
    """Every check by name: {"ok": bool, "ms": float, and "error" or the check's figures}."""
    checks: dict[str, dict] = {}
    seen: dict[str, object] = {}

    def database():
        # One query proves the database and reads both heartbeats.
        seen.update(Heartbeat.objects.filter(name__in=[WORKER, BEAT]).values_list("name", "seen_at"))

    checks["database"] = _timed(database)
    checks["broker"] = _timed(check_broker)
    checks["cache"] = _timed(check_cache)
    now = timezone.now()
    for name, key, limit, what in (
        ("worker", WORKER, settings.READYZ_WORKER_MAX_AGE_SECONDS, "worker heartbeat"),
        ("beat", BEAT, settings.READYZ_BEAT_MAX_LAG_SECONDS, "beat tick"),
    ):
        if not checks["database"]["ok"]:
            checks[name] = {"ok": False, "error": "not checked: the database did not answer", "ms": 0.0}
        else:
            checks[name] = _timed(_age_check(seen.get(key), now=now, limit=limit, what=what))
    return checks


@never_cache
@require_GET
def readyz(request):
    """Readiness: 200 when every check passes, else 503 naming each that failed."""
    started = time.perf_counter()
    checks = readiness()
    failed = [name for name, result in checks.items() if not result["ok"]]
    body = {"status": "fail" if failed else "ok", "failed": failed, "checks": checks,
            "ms": round((time.perf_counter() - started) * 1000, 1)}
    return JsonResponse(body, status=503 if failed else 200)


def record_beat_tick(now=None) -> None:
    """Beat's own heartbeat (aragora_support.beat): separate from the worker's, so /readyz can
    tell a dead beat (nothing is scheduled) from a dead worker (nothing scheduled runs)."""
    Heartbeat.objects.update_or_create(name=BEAT, defaults={"seen_at": now or timezone.now()})


@require_GET
def trivial(request):
    """The baseline for bench/api_tickets.py: the same server and middleware, no work."""
    return JsonResponse({"ok": True})


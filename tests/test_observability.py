"""Probes (/healthz, /readyz) and Prometheus metrics (/metrics): docs/observability.md."""
import ipaddress
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from celery.beat import PersistentScheduler
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from accounts.models import Heartbeat
from aragora_support import beat, health
from aragora_support.beat import Scheduler
from aragora_support.celery import app as celery_app
from aragora_support.prometheus import ProjectCollector
from email_intake.models import InboundEmail, Outcome
from notifications.models import Notification, NotificationStatus
from qbr.models import RenderedReport
from tests.factories import OrganizationFactory, TicketFactory, tier

ROOT = Path(__file__).resolve().parent.parent
CLOSED_PORT = "redis://127.0.0.1:1/0"  # nothing listens on port 1: refused at once
TOKEN = "metrics-secret-token"


def fresh_heartbeats(*, worker_age=5, beat_age=5):
    now = timezone.now()
    Heartbeat.objects.update_or_create(name="worker", defaults={"seen_at": now - timedelta(seconds=worker_age)})
    Heartbeat.objects.update_or_create(name="beat", defaults={"seen_at": now - timedelta(seconds=beat_age)})


def timed_get(client, path, **extra):
    client.get("/healthz")  # a process's first request imports the URLconf: not the probe's time
    started = time.perf_counter()
    response = client.get(path, **extra)
    return response, time.perf_counter() - started


# --- /healthz ------------------------------------------------------------------------------------

def test_healthz_answers_without_touching_the_database(client):
    # No django_db mark: any database access in this test raises.
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_healthz_answers_while_the_broker_is_down(client, db, settings):
    settings.CELERY_BROKER_URL = CLOSED_PORT
    assert client.get("/healthz").status_code == 200


# --- /readyz -------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_readyz_is_200_when_every_check_passes(client):
    fresh_heartbeats()
    response, elapsed = timed_get(client, "/readyz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok" and body["failed"] == []
    assert set(body["checks"]) == {"database", "broker", "cache", "worker", "beat"}
    assert all(check["ok"] for check in body["checks"].values())
    assert elapsed < 0.5
    print(f"/readyz ready: {elapsed * 1000:.1f} ms, checks {body['checks']}")


@pytest.mark.django_db
def test_readyz_names_the_broker_when_it_is_unreachable_and_answers_quickly(client, settings):
    fresh_heartbeats()
    settings.CELERY_BROKER_URL = CLOSED_PORT
    response, elapsed = timed_get(client, "/readyz")
    body = response.json()
    assert response.status_code == 503
    assert body["failed"] == ["broker"]
    assert body["checks"]["broker"]["error"]
    # The public answer names the kind of failure, not the driver's message with its host and port.
    assert "127.0.0.1" not in response.content.decode() and ":1" not in body["checks"]["broker"]["error"]
    assert body["checks"]["database"]["ok"] and body["checks"]["cache"]["ok"]
    assert elapsed < 0.5
    print(f"/readyz broker down: {elapsed * 1000:.1f} ms")


@pytest.mark.django_db
def test_readyz_names_the_cache_when_redis_is_unreachable(client, settings):
    fresh_heartbeats()
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CLOSED_PORT}}
    response, elapsed = timed_get(client, "/readyz")
    assert response.status_code == 503 and response.json()["failed"] == ["cache"]
    assert elapsed < 0.5


@pytest.mark.django_db
def test_readyz_names_a_stale_worker_heartbeat(client, settings):
    settings.READYZ_WORKER_MAX_AGE_SECONDS = 180
    fresh_heartbeats(worker_age=600)
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 503 and body["failed"] == ["worker"]
    assert "600 s ago" in body["checks"]["worker"]["error"]


@pytest.mark.django_db
def test_readyz_names_beat_when_its_tick_is_late(client, settings):
    settings.READYZ_BEAT_MAX_LAG_SECONDS = 120
    fresh_heartbeats(beat_age=300)
    response = client.get("/readyz")
    assert response.status_code == 503 and response.json()["failed"] == ["beat"]


@pytest.mark.django_db
def test_readyz_names_a_heartbeat_never_recorded(client):
    Heartbeat.objects.all().delete()
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 503 and body["failed"] == ["worker", "beat"]
    assert body["checks"]["worker"]["error"] == "no worker heartbeat recorded yet"


@pytest.mark.django_db
def test_readyz_names_the_database_when_it_fails_and_does_not_judge_heartbeats(client, monkeypatch):
    def down(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(health.Heartbeat.objects, "filter", down)
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 503
    assert body["failed"] == ["database", "worker", "beat"]
    assert body["checks"]["worker"]["error"].startswith("not checked")


@pytest.mark.django_db
def test_probes_and_metrics_are_exempt_from_the_https_redirect(client, settings, metrics_token):
    settings.SECURE_SSL_REDIRECT = True
    fresh_heartbeats()
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 200
    assert client.get("/accounts/login/").status_code == 301


# --- beat's heartbeat ------------------------------------------------------------------------------

def test_beat_runs_the_scheduler_that_records_its_heartbeat():
    assert celery_app.conf.beat_scheduler == "aragora_support.beat:Scheduler"


@pytest.mark.django_db
def test_a_beat_tick_records_beats_heartbeat(monkeypatch, tmp_path):
    monkeypatch.setattr(PersistentScheduler, "tick", lambda self, *a, **k: 7.0)
    # It would close the test's connection, which is inside the test's transaction.
    monkeypatch.setattr(beat, "close_old_connections", lambda: None)
    scheduler = Scheduler(app=celery_app, schedule_filename=str(tmp_path / "schedule"), lazy=True)
    assert scheduler.tick() == 7.0
    assert Heartbeat.objects.get(name="beat").seen_at > timezone.now() - timedelta(seconds=5)


@pytest.mark.django_db
def test_a_beat_tick_goes_on_when_the_database_is_down(monkeypatch, tmp_path):
    monkeypatch.setattr(PersistentScheduler, "tick", lambda self, *a, **k: 7.0)

    def down(now=None):
        raise OperationalError("connection refused")

    monkeypatch.setattr(health, "record_beat_tick", down)
    scheduler = Scheduler(app=celery_app, schedule_filename=str(tmp_path / "schedule"), lazy=True)
    assert scheduler.tick() == 7.0


# --- /metrics: access ------------------------------------------------------------------------------

@pytest.fixture
def metrics_token(settings):
    settings.METRICS_TOKEN, settings.METRICS_ALLOW_IPS = TOKEN, []


def scrape(client, token=TOKEN, **extra):
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {token}", **extra)
    assert response.status_code == 200, response.content
    return {sample.name + str(sorted(sample.labels.items()) if sample.labels else ""): sample.value
            for family in text_string_to_metric_families(response.content.decode()) for sample in family.samples}


@pytest.mark.django_db
def test_metrics_are_refused_in_production_when_no_token_or_address_is_configured(client, settings):
    settings.DEBUG, settings.METRICS_TOKEN, settings.METRICS_ALLOW_IPS = False, "", []
    assert client.get("/metrics").status_code == 404
    settings.DEBUG = True
    assert client.get("/metrics").status_code == 200


@pytest.mark.django_db
def test_metrics_need_the_right_bearer_token(client, metrics_token):
    missing = client.get("/metrics")
    assert missing.status_code == 401 and missing["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Basic {TOKEN}").status_code == 403
    right = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert right.status_code == 200 and right["Content-Type"].startswith("text/plain")
    text = right.content.decode()
    assert "aragora_outbox_backlog" in text and "django_http_requests_total_by_method" in text


@pytest.mark.django_db
def test_metrics_are_read_from_an_allowed_address_without_a_token(client, settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOW_IPS = [ipaddress.ip_network("10.0.0.0/8")]
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.7").status_code == 403
    # Behind one proxy, the address is the one the proxy saw, not what the client wrote.
    settings.NUM_PROXIES = 1
    assert client.get("/metrics", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="10.9.9.9, 192.0.2.7").status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.7, 10.9.9.9").status_code == 200


# --- /metrics: the project's gauges ------------------------------------------------------------------

def notification(n, *, status=NotificationStatus.QUEUED, created_at=None, next_attempt_at=None):
    now = timezone.now()
    return Notification.objects.create(
        key=f"k-{status}-{n}", channel="email", recipient="a@example.com", template="t", subject="s", body_text="b",
        status=status, created_at=created_at or now, next_attempt_at=next_attempt_at or now)


@pytest.mark.django_db
def test_each_project_gauge_reflects_the_data(client, metrics_token):
    now = timezone.now()
    notification(1, created_at=now - timedelta(minutes=10))
    notification(2, next_attempt_at=now + timedelta(minutes=5))  # waiting for a retry's backoff
    notification(3, status=NotificationStatus.SENT)
    enterprise = OrganizationFactory(name="Acme", tier=tier("enterprise"))
    TicketFactory(requester__organization=enterprise, severity="P1", sla_next_check_at=now - timedelta(seconds=120),
                  response_breached_at=now, resolution_breached_at=now)
    TicketFactory(requester__organization=enterprise, severity="P1", response_breached_at=now, status="resolved")
    TicketFactory(requester__organization=enterprise, sla_next_check_at=now + timedelta(hours=1))
    for n, outcome in enumerate([Outcome.QUARANTINED, Outcome.QUARANTINED, Outcome.HELD, Outcome.TICKET_CREATED]):
        InboundEmail.objects.create(mailbox="support", raw="inbound/x.eml", size=1, message_id=f"<{n}@x>",
                                    outcome=outcome)
    RenderedReport.objects.create(kind="usage", organization=enterprise, period="2026-10", wanted_version="v",
                                  requested_at=now - timedelta(seconds=30))

    samples = scrape(client)
    assert samples["aragora_project_metrics_up"] == 1
    assert samples["aragora_outbox_backlog[('status', 'queued')]"] == 2
    assert samples["aragora_outbox_backlog[('status', 'sending')]"] == 0
    assert samples["aragora_outbox_due"] == 1
    assert 590 < samples["aragora_outbox_oldest_pending_age_seconds"] < 700
    assert 110 < samples["aragora_sla_sweep_lag_seconds"] < 200
    assert samples["aragora_sla_checks_due"] == 1
    p1 = "aragora_sla_open_breaches[('clock', '{}'), ('severity', 'P1'), ('tier', 'enterprise')]"
    assert samples[p1.format("response")] == 1  # the resolved ticket's breach is not open
    assert samples[p1.format("resolution")] == 1 and samples[p1.format("ack")] == 0
    assert samples["aragora_sla_open_breaches[('clock', 'response'), ('severity', 'P2'), ('tier', 'pro')]"] == 0
    assert samples["aragora_inbound_mail_waiting[('outcome', 'quarantined')]"] == 2
    assert samples["aragora_inbound_mail_waiting[('outcome', 'held')]"] == 1
    assert samples["aragora_report_renders[('status', 'queued')]"] == 1
    assert 20 < samples["aragora_report_render_oldest_queued_age_seconds"] < 100


@pytest.mark.django_db
def test_gauges_are_zero_and_present_when_there_is_nothing_pending(client, metrics_token):
    samples = scrape(client)
    assert samples["aragora_outbox_oldest_pending_age_seconds"] == 0
    assert samples["aragora_sla_sweep_lag_seconds"] == 0
    assert samples["aragora_report_renders[('status', 'queued')]"] == 0


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [1, 25])
def test_a_scrape_costs_the_same_queries_with_1_or_25_rows(rows):
    now = timezone.now()
    organization = OrganizationFactory(tier=tier("enterprise"))
    for n in range(rows):
        notification(n)
        TicketFactory(requester__organization=organization, severity=f"P{n % 4 + 1}", response_breached_at=now,
                      sla_next_check_at=now - timedelta(seconds=n))
        InboundEmail.objects.create(mailbox="support", raw="inbound/x.eml", size=1, message_id=f"<{n}@x>",
                                    outcome=Outcome.QUARANTINED)
        RenderedReport.objects.create(kind="usage", organization=organization, period=f"{2000 + n}-01",
                                      wanted_version="v", requested_at=now)
    with CaptureQueriesContext(connection) as queries:
        families = list(ProjectCollector().collect())
    assert len(queries) == ProjectCollector.QUERIES == 7
    assert families[0].samples[0].value == 1  # aragora_project_metrics_up


@pytest.mark.django_db
def test_a_scrape_says_the_gauges_are_missing_when_the_database_fails(monkeypatch):
    def down(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(Notification.objects, "filter", down)
    families = list(ProjectCollector().collect())
    assert [(f.name, f.samples[0].value) for f in families] == [("aragora_project_metrics_up", 0)]


# --- several processes -----------------------------------------------------------------------------

REQUEST_IN_A_PROCESS = """
import django
django.setup()
from django.test import Client
assert Client().get("/healthz").status_code == 200
"""


@pytest.mark.django_db
def test_counters_of_several_processes_are_summed_in_multiprocess_mode(client, metrics_token, monkeypatch, tmp_path):
    # Two processes (as two gunicorn workers) each serve one request, counted in their own files.
    directory = tmp_path / "metrics"
    directory.mkdir()
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(directory), "DJANGO_SETTINGS_MODULE": "aragora_support.settings"}
    for _ in range(2):
        subprocess.run([sys.executable, "-c", REQUEST_IN_A_PROCESS], cwd=ROOT, env=env, check=True, timeout=120)
    assert len(list(directory.glob("counter_*.db"))) == 2
    # This process scrapes: its own counters are in memory (not multiprocess), so what it reports
    # is exactly the two processes' sum.
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(directory))
    samples = scrape(client)
    assert samples["django_http_requests_total_by_method_total[('method', 'GET')]"] == 2
    assert samples["aragora_project_metrics_up"] == 1  # the project's gauges are still read at scrape time


# --- django-prometheus's instrumentation -------------------------------------------------------------

@pytest.mark.django_db
def test_queries_are_counted_by_the_instrumented_database_backend():
    from django.db import connections
    from django_prometheus.db import execute_total
    from django_prometheus.db.common import DatabaseWrapperMixin

    assert isinstance(connections["default"], DatabaseWrapperMixin)  # ours on PostgreSQL subclasses it
    counter = execute_total.labels("default", connection.vendor)
    before = counter._value.get()
    Heartbeat.objects.count()
    assert counter._value.get() == before + 1


def test_the_redis_cache_counts_hits_and_misses_and_keeps_falsy_values(settings):
    from django.core.cache import caches
    from django_prometheus.cache.metrics import django_cache_hits_total, django_cache_misses_total

    # The configured Redis (CI's cache), else the broker's: this backend needs a real server.
    location = next((url for url in (str(settings.CACHES["default"].get("LOCATION", "")), settings.CELERY_BROKER_URL)
                     if url.startswith("redis://")), None)
    if not location:  # the embedded defaults (`make test` with no URL set); CI sets both
        pytest.skip("needs Redis: set CACHE_URL or CELERY_BROKER_URL to a redis:// URL")
    assert settings.CACHES["default"]["BACKEND"] != "django.core.cache.backends.redis.RedisCache"  # replaced in settings
    settings.CACHES = {"default": {"BACKEND": "aragora_support.cache_backends.RedisCache", "LOCATION": location}}
    cache = caches.create_connection("default")
    hits, misses = django_cache_hits_total.labels(backend="native_redis"), django_cache_misses_total.labels(backend="native_redis")
    before = hits._value.get(), misses._value.get()
    cache.set("observability:zero", 0, 30)
    assert cache.get("observability:zero", "default") == 0  # a cached 0 is a hit, not the default
    assert cache.get("observability:missing", "default") == "default"
    cache.delete("observability:zero")
    assert (hits._value.get(), misses._value.get()) == (before[0] + 1, before[1] + 1)


@pytest.fixture
def silent_redis():
    """A port that accepts connections and never answers (a hung server, a black-holed route)."""
    import socket

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"
    server.close()


@pytest.mark.django_db
def test_readyz_does_not_hang_on_a_silent_broker_or_cache(client, settings, silent_redis):
    fresh_heartbeats()
    settings.CELERY_BROKER_URL = silent_redis
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": silent_redis}}
    response, elapsed = timed_get(client, "/readyz")
    body = response.json()
    print(f"/readyz broker and cache silent: {elapsed * 1000:.0f} ms, {body}")
    assert response.status_code == 503 and body["failed"] == ["broker", "cache"]
    assert elapsed < 1.0  # two checks of READYZ_TIMEOUT_SECONDS (0.2 s) each

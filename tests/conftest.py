import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from tests.processes import database_url

from .factories import (
    CustomerAdminFactory, CustomerFactory, OrganizationFactory, StaffFactory, tier,
)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Tests make many users (each factory user hashes a password) and sign in often; PBKDF2 at
    # full strength cost 0.5 s a user and most of the suite's time. Production keeps Django's
    # default hashers (settings.py sets none).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _list_cache_off(settings):
    # Off by default: its invalidation runs on commit, which ordinary (rolled-back) tests never
    # reach. tests/test_list_cache.py turns it on with committed transactions.
    settings.TICKET_LIST_CACHE = False


@pytest.fixture(autouse=True)
def _empty_cache():
    # The database is rolled back between tests; the cache (Redis in CI) must start empty too.
    from django.core.cache import cache

    from tickets.sla.policy import forget_policies

    cache.clear()
    forget_policies()  # policy edits a test made were rolled back with it
    yield
    cache.clear()
    forget_policies()


@pytest.fixture
def pro_org(db):
    return OrganizationFactory(name="Initech", tier=tier("pro"))


@pytest.fixture
def other_org(db):
    return OrganizationFactory(name="Umbrella", tier=tier("pro"))


@pytest.fixture
def enterprise_org(db):
    return OrganizationFactory(name="Acme", tier=tier("enterprise"))


@pytest.fixture
def free_org(db):
    return OrganizationFactory(name="Globex", tier=tier("free"))


@pytest.fixture
def customer(pro_org):
    return CustomerFactory(organization=pro_org, username="initech-member")


@pytest.fixture
def customer_admin(pro_org):
    return CustomerAdminFactory(organization=pro_org, username="initech-admin")


@pytest.fixture
def outsider(other_org):
    return CustomerAdminFactory(organization=other_org, username="umbrella-admin")


@pytest.fixture
def staff(db):
    return StaffFactory(username="engineer")


@pytest.fixture
def api():
    return APIClient()


def api_as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def login(client, user):
    # Not a password login: django-axes refuses one without a request, which Client.login() never
    # passes. Signing in itself is tested through the pages (tests/security/test_accounts.py).
    client.force_login(user)
    return client


def pytest_report_header(config):
    from django.conf import settings

    return (f"database: {settings.DATABASES['default']['ENGINE']} · "
            f"broker: {settings.CELERY_BROKER_URL.split('://')[0]}")


@pytest.fixture
def storing_fails_for(monkeypatch):
    """storing_fails_for(b"marker"): storing an inbound message whose bytes hold the marker raises
    OSError (a full disk), as if its raw copy could not be written; other messages are stored."""
    from email_intake import services

    new_inbound = services._new_inbound

    def arm(marker: bytes) -> None:
        def disk_full(raw, **kwargs):
            if marker in raw:
                raise OSError("disk full")
            return new_inbound(raw, **kwargs)

        monkeypatch.setattr(services, "_new_inbound", disk_full)

    return arm


ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def worker(tmp_path):
    """Start a worker on a queue of its own, so no other worker on the same broker takes our tasks."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    # The same database, broker and media folder as this test: what the worker writes, the test reads.
    env = {**os.environ, "DATABASE_URL": database_url(), "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
           "MEDIA_ROOT": str(settings.MEDIA_ROOT)}
    log = open(tmp_path / "worker.log", "w+")
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "aragora_support", "worker", "-Q", queue, "--pool", "solo",
         "--without-gossip", "--without-mingle", "--loglevel", "INFO", "-n", f"{queue}@%h"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    yield queue
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
    log.seek(0)
    print(log.read()[-3000:])

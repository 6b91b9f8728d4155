import pytest

from notifications import tasks
from tests.factories import OrganizationFactory, TicketFactory, tier

from .support import ProviderStub


@pytest.fixture(autouse=True)
def _outbox_settings(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.DEFAULT_FROM_EMAIL = "Aragora Support <support@aragora.ai>"
    settings.SITE_URL = "https://support.example.com"
    settings.SLACK_BOT_TOKEN = "xoxb-test-token"
    settings.NOTIFICATION_QUEUE = ""
    settings.NOTIFICATION_LEASE_SECONDS = 120
    settings.NOTIFICATION_MAX_ATTEMPTS = 8
    settings.NOTIFICATION_BACKOFF_SECONDS = 30
    settings.NOTIFICATION_BACKOFF_MAX_SECONDS = 3600
    settings.NOTIFICATION_SEND_TIMEOUT = 5


@pytest.fixture
def provider(settings):
    """Slack and the pager, answered by a local HTTP server."""
    stub = ProviderStub()
    settings.SLACK_API_BASE_URL = stub.slack_url
    settings.PAGER_WEBHOOK_URL = stub.pager_url
    yield stub
    stub.close()


@pytest.fixture
def published(monkeypatch):
    """Send tasks published to the broker (recorded, not sent) by id."""
    calls = []

    def apply_async(args=None, kwargs=None, **options):
        calls.append(args[0])

    def apply_async_chunk(args=None, kwargs=None, **options):
        calls.extend(args[0])

    monkeypatch.setattr(tasks.send_notification, "apply_async", apply_async)
    monkeypatch.setattr(tasks.send_notifications, "apply_async", apply_async_chunk)
    return calls


@pytest.fixture
def ticket(db):
    organization = OrganizationFactory(name="Initech & Sons", tier=tier("enterprise"))
    return TicketFactory(requester__organization=organization, subject="Checkout <b>down</b> & slow", severity="P1")

import pytest

from tests.factories import CustomerAdminFactory

from .support import SECRET


@pytest.fixture(autouse=True)
def _slack_signing_secret(settings):
    settings.SLACK_SIGNING_SECRET = SECRET


@pytest.fixture
def acme(enterprise_org):
    """An Enterprise organisation linked to its Slack Connect channel C0ACME, with an admin."""
    enterprise_org.slack_channel = "C0ACME"
    enterprise_org.save()
    CustomerAdminFactory(organization=enterprise_org)
    return enterprise_org

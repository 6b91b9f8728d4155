import datetime as dt

import pytest

from status.models import Component

UTC = dt.timezone.utc


def at(*args):
    return dt.datetime(*args, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "https://support.example.com"


@pytest.fixture
def components(db):
    """The seeded components, by name (API, Web app, …)."""
    return {c.name: c for c in Component.objects.all()}

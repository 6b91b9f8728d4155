import datetime as dt

import pytest
import time_machine

from tickets import services
from tests.factories import CustomerAdminFactory, CustomerFactory, OrganizationFactory, StaffFactory, tier

UTC = dt.timezone.utc


def at(*args):
    return dt.datetime(*args, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _figures_computed_afresh(settings):
    # Each test reads figures right after writing them; tests/feedback/test_metrics.py tests the cache.
    settings.FEEDBACK_METRICS_CACHE_SECONDS = 0


@pytest.fixture
def team(db):
    """An engineer, their engineering lead, and an account manager."""
    return {"engineer": StaffFactory(username="eng", email="eng@aragora.ai", role="Support engineer"),
            "lead": StaffFactory(username="lead", email="lead@aragora.ai", role="Engineering lead"),
            "am": StaffFactory(username="am", email="am@aragora.ai", role="Account manager")}


@pytest.fixture
def orgs(db, team):
    """Two Pro organisations (a, b), each with an admin and a member; a is managed by the AM."""
    out = {}
    for name in ("a", "b"):
        org = OrganizationFactory(name=f"Org {name}", tier=tier("pro"),
                                  account_manager=team["am"] if name == "a" else None)
        out[name] = {"org": org, "admin": CustomerAdminFactory(organization=org, username=f"{name}-admin"),
                     "member": CustomerFactory(organization=org, username=f"{name}-member")}
    return out


def open_ticket(org, requester, *, subject="It broke", severity="P3", when=None):
    with time_machine.travel(when or at(2026, 11, 3, 17, 0), tick=False):
        ticket, _ = services.ticket_create(organization=org, requester=requester, subject=subject,
                                           description="Details.", severity=severity, channel="portal")
    return ticket


def resolve(ticket, staff, *, when=None):
    with time_machine.travel(when or at(2026, 11, 4, 18, 0), tick=False):
        return services.ticket_resolve(ticket=ticket, actor=staff)

from datetime import date, datetime, timezone

import pytest
import time_machine

from accounts.models import Tier
from onboarding import services
from onboarding.models import OnboardingPlan
from tests.factories import CustomerAdminFactory, CustomerFactory, OrganizationFactory, StaffFactory, tier

# Monday 2 March 2026, 09:00 UTC: every test here starts from this day unless it travels on.
MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def _pinned_clock():
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def _onboarding_settings(settings):
    settings.SITE_URL = "https://support.example.com"
    settings.ONBOARDING_KICKOFF_LEAD_BUSINESS_DAYS = 5
    settings.ONBOARDING_CHECKIN_HORIZON_DAYS = 120
    settings.ONBOARDING_CHECKIN_TIME = "10:00"
    settings.ONBOARDING_CHECKIN_REMINDER_HOURS = 24
    settings.ONBOARDING_INCLUDED_REMINDER_DAYS = 30


@pytest.fixture
def am(db):
    return StaffFactory(username="alex", first_name="Alex", last_name="Manager", email="alex@aragora.ai",
                        timezone="America/Los_Angeles", role="Account manager")


@pytest.fixture
def engineer(db):
    return StaffFactory(username="sam", first_name="Sam", last_name="Support", email="sam@aragora.ai")


@pytest.fixture
def acme(am, engineer):
    return OrganizationFactory(name="Acme", tier=tier(Tier.ENTERPRISE), account_manager=am, support_engineer=engineer)


@pytest.fixture
def acme_admin(acme):
    return CustomerAdminFactory(organization=acme, username="acme-admin", first_name="Ada", email="ada@acme.example")


@pytest.fixture
def acme_member(acme):
    return CustomerFactory(organization=acme, username="acme-member", email="max@acme.example")


@pytest.fixture
def initech(am):
    return OrganizationFactory(name="Initech", tier=tier(Tier.PRO), account_manager=am)


@pytest.fixture
def initech_admin(initech):
    return CustomerAdminFactory(organization=initech, username="initech-admin")


def make_plan(organization, kickoff: date, actor, **kwargs) -> OnboardingPlan:
    """A plan with a chosen kickoff (the one made on the move to Enterprise is replaced)."""
    OnboardingPlan.objects.filter(organization=organization).delete()
    return services.plan_create(organization=organization, kickoff_date=kickoff, actor=actor, **kwargs)


@pytest.fixture
def plan(acme, am):
    # Kickoff Wednesday 4 March 2026.
    return make_plan(acme, date(2026, 3, 4), am)

"""accounts.selectors.member_by_email: who an inbound email is from, in one query."""
import pytest

from accounts.selectors import member_by_email
from tests.factories import CustomerFactory, StaffFactory, tier

pytestmark = pytest.mark.django_db


def test_finds_the_member_whatever_the_case_with_organisation_and_tier_loaded(pro_org, django_assert_num_queries):
    alice = CustomerFactory(organization=pro_org, email="Alice@Initech.example")
    pro = tier("pro")
    with django_assert_num_queries(1):
        found = member_by_email("alice@INITECH.example")
        assert found == alice and found.organization == pro_org
        assert found.organization.tier == pro and found.organization.tier.ticket_portal
        assert found.organization.tier.channels == pro.channels and isinstance(pro.channels, list)  # JSON
        assert found.organization.tier.business_start == pro.business_start


def test_the_user_is_the_same_as_the_orms(pro_org):
    from accounts.models import User

    CustomerFactory(organization=pro_org, email="alice@initech.example")
    found, loaded = member_by_email("alice@initech.example"), User.objects.get(email="alice@initech.example")
    fields = [f.attname for f in User._meta.concrete_fields]
    assert [getattr(found, f) for f in fields] == [getattr(loaded, f) for f in fields]
    assert not found._state.adding and found._state.db == "default"


def test_inactive_people_and_staff_without_organisation_are_nobody(pro_org):
    CustomerFactory(organization=pro_org, email="gone@initech.example", is_active=False)
    StaffFactory(email="agent@aragora.example")
    assert member_by_email("gone@initech.example") is None
    assert member_by_email("agent@aragora.example") is None
    assert member_by_email("nobody@initech.example") is None


def test_an_empty_address_asks_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert member_by_email("") is None


def test_the_earliest_member_wins_when_two_share_an_address(pro_org, other_org):
    first = CustomerFactory(organization=pro_org, email="shared@example.com")
    CustomerFactory(organization=other_org, email="SHARED@example.com")
    assert member_by_email("shared@example.com") == first

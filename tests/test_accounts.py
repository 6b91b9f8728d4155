import re

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from accounts.models import CustomSlaTarget, Severity, User, new_account_id
from tests.factories import OrganizationFactory, tier


def test_account_id_is_ara_followed_by_twelve_random_characters():
    ids = {new_account_id() for _ in range(1000)}
    assert len(ids) == 1000
    assert all(re.fullmatch(r"ara_[a-z0-9]{12}", i) for i in ids)


@pytest.mark.django_db
def test_each_organisation_gets_its_own_account_id():
    a, b = OrganizationFactory(), OrganizationFactory()
    assert a.account_id.startswith("ara_") and a.account_id != b.account_id


@pytest.mark.django_db
def test_customer_without_role_is_refused_by_the_database(pro_org):
    with pytest.raises(IntegrityError):
        User.objects.create(username="x", organization=pro_org, customer_role="")


@pytest.mark.django_db
def test_custom_sla_is_for_enterprise_only(pro_org, enterprise_org):
    p1 = Severity.objects.get(code="P1")
    CustomSlaTarget(organization=enterprise_org, severity=p1, kind="response", amount=30, unit="h").full_clean()
    with pytest.raises(ValidationError, match="Enterprise"):
        CustomSlaTarget(organization=pro_org, severity=p1, kind="response", amount=1, unit="h").full_clean()


@pytest.mark.django_db
def test_custom_sla_replaces_the_tier_target_in_the_policy_shown(enterprise_org):
    from tickets.selectors import policy_for

    CustomSlaTarget.objects.create(organization=enterprise_org, severity=Severity.objects.get(code="P1"),
                                   kind="response", amount=30, unit="h")
    rows = {r["severity"].code: r for r in policy_for(enterprise_org)["rows"]}
    assert rows["P1"]["response"] == "30 hours"
    assert rows["P2"]["response"] == "2 hours"


@pytest.mark.django_db
def test_pro_targets_are_described_in_business_time():
    from tickets.selectors import policy_for

    rows = {r["severity"].code: r for r in policy_for(OrganizationFactory(tier=tier("pro")))["rows"]}
    assert rows["P1"]["response"] == "4 business hours"
    assert rows["P3"]["resolution"] == "1 business week"
    assert rows["P4"]["resolution"] == "Best effort"

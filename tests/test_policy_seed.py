"""The support policy is seeded from the guide and is data, not code."""
import pytest
from django.contrib.auth.models import Group

from accounts.models import Severity, SlaTarget, Tier
from accounts.roles import STAFF_ROLES

pytestmark = pytest.mark.django_db

UNIT_MINUTES_ON_PRO_CALENDAR = {"h": 60, "d": 9 * 60, "w": 5 * 9 * 60}


def target(tier, severity, kind):
    t = SlaTarget.objects.get(tier__code=tier, severity__code=severity, kind=kind)
    return (t.amount, t.unit) if t.amount is not None else None


def test_three_tiers_with_the_guides_attributes():
    tiers = {t.code: t for t in Tier.objects.all()}
    assert list(tiers) == ["free", "pro", "enterprise"]
    assert tiers["free"].price == "$0/month" and not tiers["free"].has_sla and not tiers["free"].ticket_portal
    assert tiers["free"].channels == ["Community forums", "GitHub issues"]
    assert tiers["pro"].price == "$99/month" and tiers["pro"].uptime_sla == "99.5% uptime"
    assert tiers["pro"].calendar_timezone == "America/Los_Angeles" and tiers["pro"].business_days == [1, 2, 3, 4, 5]
    assert str(tiers["pro"].business_start) == "09:00:00" and str(tiers["pro"].business_end) == "18:00:00"
    assert tiers["enterprise"].uptime_sla == "99.9% uptime with credits"
    assert tiers["enterprise"].business_days == [] and tiers["enterprise"].priority_queue
    assert tiers["enterprise"].custom_sla_allowed and not tiers["pro"].custom_sla_allowed


def test_severities_p1_to_p4_with_definitions_and_examples():
    rows = list(Severity.objects.values_list("code", "name"))
    assert rows == [("P1", "Critical"), ("P2", "High"), ("P3", "Medium"), ("P4", "Low")]
    assert "data loss" in Severity.objects.get(code="P1").examples


def test_enterprise_matrix_matches_the_guide_in_hours_and_weeks():
    assert [target("enterprise", s, "response") for s in ("P1", "P2", "P3", "P4")] == [
        (1, "h"), (2, "h"), (4, "h"), (24, "h")]
    assert [target("enterprise", s, "resolution") for s in ("P1", "P2", "P3", "P4")] == [
        (4, "h"), (24, "h"), (72, "h"), (1, "w")]


def test_pro_days_and_weeks_are_coverage_units_and_p4_resolution_is_best_effort():
    assert [target("pro", s, "response") for s in ("P1", "P2", "P3", "P4")] == [(4, "h"), (8, "h"), (1, "d"), (3, "d")]
    assert [target("pro", s, "resolution") for s in ("P1", "P2", "P3")] == [(1, "d"), (3, "d"), (1, "w")]
    assert target("pro", "P4", "resolution") is None


def test_pro_targets_stay_ordered_by_severity_and_response_before_resolution():
    def minutes(t):
        return t[0] * UNIT_MINUTES_ON_PRO_CALENDAR[t[1]] if t else float("inf")

    response = [minutes(target("pro", s, "response")) for s in ("P1", "P2", "P3", "P4")]
    resolution = [minutes(target("pro", s, "resolution")) for s in ("P1", "P2", "P3", "P4")]
    assert response == sorted(response) and resolution == sorted(resolution)
    assert all(r < s for r, s in zip(response, resolution))


def test_free_tier_has_no_targets():
    assert not SlaTarget.objects.filter(tier__code="free").exists()


def test_staff_roles_are_groups_matching_the_escalation_contacts():
    names = set(Group.objects.values_list("name", flat=True))
    assert set(STAFF_ROLES) <= names
    assert {"Support engineer", "Senior engineer", "Engineering lead", "VP engineering", "Executive",
            "Account manager"} == set(STAFF_ROLES)


def test_account_manager_can_edit_organisations_but_support_engineer_cannot():
    from tests.factories import StaffFactory

    am = StaffFactory(role="Account manager")
    engineer = StaffFactory(role="Support engineer")
    assert am.has_perm("accounts.change_organization") and am.has_perm("accounts.add_customslatarget")
    assert not engineer.has_perm("accounts.change_organization")
    assert engineer.has_perm("tickets.change_ticket") and engineer.has_perm("tickets.add_message")

"""Onboarding plans: made from the guide's template with business-day dates and owners, moved
and reflowed, refused with a reason for bad input."""
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import Tier
from onboarding import services
from onboarding.models import CheckIn, IncludedService, OnboardingPlan, PlanTemplate, TemplateActivity
from tests.factories import OrganizationFactory, tier

from .conftest import make_plan

pytestmark = pytest.mark.django_db


def _dates(plan):
    return [(a.name, a.start_date, a.end_date) for a in plan.activities.order_by("order")]


def test_template_is_seeded_from_the_guide():
    template = PlanTemplate.objects.get(is_default=True)
    rows = [(a.phase, a.first_day, a.last_day, a.name, a.participants)
            for a in TemplateActivity.objects.filter(template=template)]
    assert rows == [
        ("Week 1: Kickoff", 1, 1, "Welcome call, introductions", "Account manager, customer team"),
        ("Week 1: Kickoff", 2, 3, "Environment setup assistance", "Support engineer"),
        ("Week 1: Kickoff", 4, 5, "Integration review", "Technical lead"),
        ("Week 2: Integration", 1, 2, "API integration support", "Support engineer"),
        ("Week 2: Integration", 3, 4, "SSO/SAML configuration", "Support engineer, customer IT"),
        ("Week 2: Integration", 5, 5, "Initial testing and validation", "Joint team"),
        ("Weeks 3-4: Go-Live", 1, 5, "Pilot rollout", "Support engineer on standby"),
        ("Weeks 3-4: Go-Live", 6, 10, "Full production deployment", "Joint team"),
    ]


def test_plan_kicked_off_on_a_wednesday_falls_on_business_days_only(plan, am, engineer):
    assert _dates(plan) == [
        ("Welcome call, introductions", date(2026, 3, 4), date(2026, 3, 4)),
        ("Environment setup assistance", date(2026, 3, 5), date(2026, 3, 6)),
        ("Integration review", date(2026, 3, 9), date(2026, 3, 10)),
        ("API integration support", date(2026, 3, 11), date(2026, 3, 12)),
        ("SSO/SAML configuration", date(2026, 3, 13), date(2026, 3, 16)),
        ("Initial testing and validation", date(2026, 3, 17), date(2026, 3, 17)),
        ("Pilot rollout", date(2026, 3, 18), date(2026, 3, 24)),
        ("Full production deployment", date(2026, 3, 25), date(2026, 3, 31)),
    ]
    assert plan.go_live_date == date(2026, 3, 31)
    owners = {a.name: a.owner for a in plan.activities.all()}
    assert owners["Welcome call, introductions"] == am
    assert owners["Environment setup assistance"] == engineer
    assert owners["Integration review"] is None  # no technical lead named yet
    assert {a.status for a in plan.activities.all()} == {"planned"}


def test_a_plan_across_christmas_and_new_year_skips_both(acme, am):
    plan = make_plan(acme, date(2026, 12, 21), am)  # a Monday; 25 Dec and 1 Jan are Fridays
    days = {day for _, start, end in _dates(plan) for day in (start, end)}
    assert date(2026, 12, 25) not in days and date(2027, 1, 1) not in days
    assert ("Initial testing and validation", date(2027, 1, 5), date(2027, 1, 5)) in _dates(plan)  # plan day 10
    # Plan day 20, past Christmas, New Year and Martin Luther King Jr. Day (18 January).
    assert plan.go_live_date == date(2027, 1, 20)


def test_naming_the_lead_and_it_contact_hands_them_their_activities(plan, am, acme_admin):
    from tests.factories import StaffFactory

    lead = StaffFactory(username="lee", role="Engineering lead")
    services.plan_set_contacts(plan=plan, actor=am, technical_lead=lead, customer_it_contact=acme_admin)
    owners = {a.name: a.owner for a in plan.activities.all()}
    assert owners["Integration review"] == lead and owners["Initial testing and validation"] == lead
    assert owners["SSO/SAML configuration"] == acme_admin


def test_moving_to_enterprise_makes_a_plan_with_a_kickoff_a_week_out(am):
    organization = OrganizationFactory(name="Hooli", tier=tier(Tier.PRO), account_manager=am)
    assert not OnboardingPlan.objects.filter(organization=organization).exists()
    organization.tier = tier(Tier.ENTERPRISE)
    organization.save()
    plan = OnboardingPlan.objects.get(organization=organization)
    assert plan.kickoff_date == date(2026, 3, 9) and plan.created_by is None
    assert plan.activities.count() == 8
    assert set(IncludedService.objects.filter(organization=organization).values_list("kind", "next_due_on")) == {
        ("architecture_review", date(2027, 4, 3)), ("training_session", date(2026, 10, 3))}
    # Saving it again (or any other change) does not make a second plan.
    organization.name = "Hooli XYZ"
    organization.save()
    assert OnboardingPlan.objects.filter(organization=organization).count() == 1


@pytest.mark.parametrize("kickoff, reason", [
    (date(2026, 2, 27), "is in the past"),
    (date(2026, 3, 7), "falls on a weekend"),
    (date(2026, 5, 25), "is a public holiday (Memorial Day)"),
])
def test_bad_kickoff_dates_are_refused_with_a_reason(acme, am, kickoff, reason):
    OnboardingPlan.objects.filter(organization=acme).delete()
    with pytest.raises(ValidationError) as exc:
        services.plan_create(organization=acme, kickoff_date=kickoff, actor=am)
    assert reason in str(exc.value.message_dict["kickoff_date"])
    assert not OnboardingPlan.objects.filter(organization=acme).exists()


def test_plans_are_for_enterprise_and_made_once(initech, plan, acme, am):
    with pytest.raises(ValidationError, match="part of Enterprise support"):
        services.plan_create(organization=initech, kickoff_date=date(2026, 3, 4), actor=am)
    with pytest.raises(ValidationError, match="has an onboarding plan already"):
        services.plan_create(organization=acme, kickoff_date=date(2026, 3, 4), actor=am)


def test_customers_cannot_change_plans(plan, acme_admin):
    with pytest.raises(PermissionDenied):
        services.plan_move_kickoff(plan=plan, kickoff_date=date(2026, 3, 11), actor=acme_admin)


def test_moving_the_kickoff_moves_every_activity_and_the_meetings(plan, am):
    services.checkins_generate()
    first = CheckIn.objects.filter(organization=plan.organization).order_by("starts_at").first()
    assert first.slot == "w1" and first.starts_at.date() == date(2026, 4, 7)

    services.plan_move_kickoff(plan=plan, kickoff_date=date(2026, 3, 11), actor=am)
    plan.refresh_from_db()
    assert plan.kickoff_date == date(2026, 3, 11) and plan.go_live_date == date(2026, 4, 7)
    assert _dates(plan)[3] == ("API integration support", date(2026, 3, 18), date(2026, 3, 19))
    first.refresh_from_db()
    # The same meeting (its calendar event is updated, not duplicated), a week later.
    assert first.starts_at.date() == date(2026, 4, 14) and first.sequence == 1
    assert CheckIn.objects.filter(organization=plan.organization, slot="w1").count() == 1


def test_the_kickoff_cannot_move_once_work_has_started(plan, am):
    first = plan.activities.get(order=1)
    services.activity_update(activity=first, actor=am, status="done")
    with pytest.raises(ValidationError, match="already done"):
        services.plan_move_kickoff(plan=plan, kickoff_date=date(2026, 3, 11), actor=am)


def test_a_slipped_activity_pushes_back_what_follows_but_not_what_is_finished(plan, am):
    activities = {a.order: a for a in plan.activities.all()}
    services.activity_update(activity=activities[5], actor=am, status="skipped")  # SSO done elsewhere
    # API integration support (Wed 11 - Thu 12 Mar) takes two more business days: ends Mon 16.
    services.activity_reschedule(activity=activities[4], actor=am, start_date=date(2026, 3, 11),
                                 end_date=date(2026, 3, 16))
    plan.refresh_from_db()
    dates = {name: (start, end) for name, start, end in _dates(plan)}
    assert dates["API integration support"] == (date(2026, 3, 11), date(2026, 3, 16))
    assert dates["SSO/SAML configuration"] == (date(2026, 3, 13), date(2026, 3, 16))  # skipped: stays
    assert dates["Initial testing and validation"] == (date(2026, 3, 19), date(2026, 3, 19))
    assert dates["Full production deployment"] == (date(2026, 3, 27), date(2026, 4, 2))
    assert dates["Welcome call, introductions"] == (date(2026, 3, 4), date(2026, 3, 4))
    assert plan.go_live_date == date(2026, 4, 2)
    # And a later kickoff move keeps the slip.
    services.plan_move_kickoff(plan=plan, kickoff_date=date(2026, 3, 5), actor=am)
    plan.refresh_from_db()
    assert plan.go_live_date == date(2026, 4, 3)


@pytest.mark.parametrize("start, end, field, reason", [
    (date(2026, 3, 14), None, "start_date", "falls on a weekend"),
    (date(2026, 3, 11), date(2026, 3, 15), "end_date", "falls on a weekend"),
    (date(2026, 3, 11), date(2026, 3, 10), "end_date", "before the start date"),
    (date(2026, 2, 27), None, "start_date", "in the past"),
    (date(2026, 3, 3), None, "start_date", "kicks off on"),
])
def test_bad_activity_dates_are_refused_with_a_reason(plan, am, start, end, field, reason):
    activity = plan.activities.get(order=4)
    with pytest.raises(ValidationError) as exc:
        services.activity_reschedule(activity=activity, actor=am, start_date=start, end_date=end)
    assert reason in " ".join(exc.value.message_dict[field])
    assert _dates(OnboardingPlan.objects.get(pk=plan.pk))[3][1] == date(2026, 3, 11)


def test_blocked_needs_a_reason_and_done_records_when(plan, am):
    activity = plan.activities.get(order=2)
    with pytest.raises(ValidationError, match="what blocks"):
        services.activity_update(activity=activity, actor=am, status="blocked")
    services.activity_update(activity=activity, actor=am, status="blocked", notes="No VPN access yet.")
    activity = services.activity_update(activity=activity, actor=am, status="done")
    assert activity.finished_at is not None and activity.notes == "No VPN access yet."
    with pytest.raises(ValidationError, match="Unknown status"):
        services.activity_update(activity=activity, actor=am, status="finished")


def test_overdue_means_past_its_end_and_not_finished(plan, am, _pinned_clock):
    _pinned_clock.move_to("2026-03-10 12:00Z")
    today = date(2026, 3, 10)
    overdue = [a.name for a in plan.activities.all() if a.is_overdue(today)]
    assert overdue == ["Welcome call, introductions", "Environment setup assistance"]
    services.activity_update(activity=plan.activities.get(order=1), actor=am, status="done")
    assert [a.name for a in plan.activities.all() if a.is_overdue(today)] == ["Environment setup assistance"]

"""The account manager's back-office: every plan with overdue activities flagged, edits that go
through the services (refusals shown on the form), meetings, services and requests."""
from datetime import date

import pytest

from onboarding import services
from onboarding.models import CheckIn, EngagementRequest, IncludedService, OnboardingPlan, ServiceOffering
from tests.conftest import login

pytestmark = pytest.mark.django_db


def _inline(plan, changes=None):
    """The plan change form's POST, with `changes` ({order: {field: value}}) applied to activities."""
    data = {"kickoff_date": plan.kickoff_date.isoformat(), "technical_lead": "", "customer_it_contact": "",
            "activities-TOTAL_FORMS": plan.activities.count(), "activities-INITIAL_FORMS": plan.activities.count(),
            "activities-MIN_NUM_FORMS": 0, "activities-MAX_NUM_FORMS": 1000}
    for i, a in enumerate(plan.activities.order_by("order")):
        row = {"id": a.pk, "plan": plan.pk, "owner": a.owner_id or "", "start_date": a.start_date.isoformat(),
               "end_date": a.end_date.isoformat(), "status": a.status, "notes": a.notes}
        row.update((changes or {}).get(a.order, {}))
        data.update({f"activities-{i}-{k}": v for k, v in row.items()})
    return data


def test_plan_list_flags_overdue_activities_and_filters_by_them(client, plan, am, _pinned_clock):
    _pinned_clock.move_to("2026-03-10 12:00Z")
    login(client, am)
    page = client.get("/admin/onboarding/onboardingplan/").content.decode()
    assert "Acme" in page and "2 overdue" in page and "0/8" in page
    assert "Acme" in client.get("/admin/onboarding/onboardingplan/?overdue=yes").content.decode()
    assert "Acme" not in client.get("/admin/onboarding/onboardingplan/?overdue=no").content.decode()
    activities = client.get("/admin/onboarding/planactivity/?overdue=yes").content.decode()
    assert "Environment setup assistance" in activities and "Pilot rollout" not in activities
    detail = client.get(f"/admin/onboarding/onboardingplan/{plan.pk}/change/").content.decode()
    assert detail.count(">Overdue<") == 2 and "/calendar/" in detail


def test_a_slip_entered_on_the_plan_page_reflows_the_rest(client, plan, am):
    login(client, am)
    response = client.post(f"/admin/onboarding/onboardingplan/{plan.pk}/change/",
                           _inline(plan, {4: {"end_date": "2026-03-16", "status": "in_progress"}}))
    assert response.status_code == 302, response.content.decode()[:2000]
    plan.refresh_from_db()
    assert plan.go_live_date == date(2026, 4, 2)
    assert plan.activities.get(order=4).status == "in_progress"


def test_a_weekend_date_is_refused_on_the_form_with_its_reason(client, plan, am):
    login(client, am)
    response = client.post(f"/admin/onboarding/onboardingplan/{plan.pk}/change/",
                           _inline(plan, {4: {"end_date": "2026-03-14"}}))
    assert response.status_code == 200 and "falls on a weekend" in response.content.decode()
    assert OnboardingPlan.objects.get(pk=plan.pk).go_live_date == date(2026, 3, 31)


def test_account_manager_creates_a_plan_on_demand_and_bad_kickoffs_are_refused(client, acme, am):
    OnboardingPlan.objects.filter(organization=acme).delete()
    login(client, am)
    refused = client.post("/admin/onboarding/onboardingplan/add/", {"organization": acme.pk, "kickoff_date": "2026-03-07"})
    assert refused.status_code == 200 and "falls on a weekend" in refused.content.decode()
    created = client.post("/admin/onboarding/onboardingplan/add/", {"organization": acme.pk, "kickoff_date": "2026-03-09"})
    assert created.status_code == 302, created.context["adminform"].form.errors
    plan = OnboardingPlan.objects.get(organization=acme)
    assert plan.created_by == am and plan.activities.count() == 8


def test_the_kickoff_moves_from_the_plan_page(client, plan, am):
    login(client, am)
    data = _inline(plan)
    data["kickoff_date"] = "2026-03-11"
    assert client.post(f"/admin/onboarding/onboardingplan/{plan.pk}/change/", data).status_code == 302
    assert OnboardingPlan.objects.get(pk=plan.pk).go_live_date == date(2026, 4, 7)


def test_checkin_list_offers_the_account_managers_own_feed(client, plan, am):
    services.checkins_generate()
    login(client, am)
    page = client.get("/admin/onboarding/checkin/").content.decode()
    assert "My check-ins calendar (.ics)" in page and am.calendar_feed.secret in page
    assert CheckIn.objects.count() == 9 and "Quarterly business review" in page


def test_engagement_moves_in_the_admin_and_a_skip_is_refused_on_the_form(client, acme, acme_admin, am):
    engagement = services.engagement_request_create(organization=acme, requester=acme_admin,
                                                    offering=ServiceOffering.objects.first(), summary="S", details="D")
    login(client, am)
    url = f"/admin/onboarding/engagementrequest/{engagement.pk}/change/"
    page = client.get(url).content.decode()
    assert "Proposal sent" in page and "— stay —" in page
    base = {"estimate": "", "price": "", "currency": "USD", "start_date": "", "end_date": "", "note": "",
            "steps-TOTAL_FORMS": 1, "steps-INITIAL_FORMS": 1, "steps-MIN_NUM_FORMS": 0, "steps-MAX_NUM_FORMS": 1000,
            "steps-0-id": engagement.steps.get().pk, "steps-0-engagement": engagement.pk}
    refused = client.post(url, {**base, "move_to": "proposal"})
    assert refused.status_code == 200 and "A proposal needs a price above zero." in refused.content.decode()
    done = client.post(url, {**base, "move_to": "proposal", "estimate": "2 weeks", "price": "9000",
                             "start_date": "2026-03-16", "end_date": "2026-03-27"})
    assert done.status_code == 302
    assert EngagementRequest.objects.get(pk=engagement.pk).status == "proposal"


def test_included_services_are_listed_with_their_due_state_and_recorded_by_action(client, plan, am):
    login(client, am)
    page = client.get("/admin/onboarding/includedservice/").content.decode()
    assert "Architecture review" in page and "Training session" in page
    review = IncludedService.objects.get(organization=plan.organization, kind="architecture_review")
    client.post("/admin/onboarding/includedservice/", {"action": "record_held_today", "_selected_action": [review.pk]})
    review.refresh_from_db()
    assert (review.last_done_on, review.next_due_on) == (date(2026, 3, 2), date(2027, 3, 2))


@pytest.mark.parametrize("url", ["/admin/onboarding/plantemplate/1/change/", "/admin/onboarding/serviceoffering/",
                                 "/admin/onboarding/scopecategory/", "/admin/onboarding/calendarfeed/",
                                 "/admin/onboarding/planactivity/"])
def test_guide_data_pages_open_for_account_managers(client, plan, am, url):
    assert login(client, am).get(url).status_code == 200


def test_non_enterprise_customers_see_what_onboarding_is_and_how_to_get_it(client, initech_admin):
    body = login(client, initech_admin).get("/onboarding/").content.decode()
    assert "part of <strong>Enterprise</strong> support" in body and "sales@aragora.ai" in body


def test_the_plan_page_offers_only_the_organisations_people_and_staff(client, plan, am, acme_admin):
    from tests.factories import CustomerFactory, OrganizationFactory, StaffFactory, tier

    stranger = CustomerFactory(organization=OrganizationFactory(name="Hooli", tier=tier("enterprise")),
                               username="hooli-person")
    colleague = CustomerFactory(organization=plan.organization, username="acme-colleague")
    engineer = StaffFactory(username="sam-engineer", role="Support engineer")
    response = login(client, am).get(f"/admin/onboarding/onboardingplan/{plan.pk}/change/")
    form = response.context["adminform"].form
    assert set(form.fields["customer_it_contact"].queryset) >= {acme_admin, colleague}
    assert stranger not in form.fields["customer_it_contact"].queryset
    assert all(not u.is_staff for u in form.fields["customer_it_contact"].queryset)
    owners = set(response.context["inline_admin_formsets"][0].formset.forms[0].fields["owner"].queryset)
    assert {colleague, engineer, am} <= owners and stranger not in owners

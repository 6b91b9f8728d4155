"""Content-Security-Policy (issue 11.12): a strict policy on every response, and no page of the
portal, the back-office or the API docs carries inline code it would block."""
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Tier
from notifications.models import Notification, NotificationStatus
from notifications.services import notification_enqueue, ticket_context
from onboarding.models import OnboardingPlan
from onboarding.services import calendar_feed_for_organization
from tickets import services as tickets
from tests.conftest import login
from tests.factories import CustomerAdminFactory, OrganizationFactory, StaffFactory, TicketFactory, tier

from .html_audit import blocked_by_csp, policy, response_nonce

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    """An Enterprise organisation with a ticket thread, an onboarding plan with an overdue
    activity, a calendar feed, and a failed notification: every kind of page has data to show."""
    staff = StaffFactory(username="csp-staff", is_superuser=True)
    acme = OrganizationFactory(name="Acme", tier=tier(Tier.ENTERPRISE), account_manager=staff)
    admin = CustomerAdminFactory(organization=acme, username="csp-admin")
    ticket = TicketFactory(requester=admin, subject="Checkout down")
    tickets.message_create(ticket=ticket, author=staff, body="Looking into it.")
    plan = OnboardingPlan.objects.get(organization=acme)
    plan.activities.filter(order=1).update(end_date=timezone.localdate() - timedelta(days=3))
    calendar_feed_for_organization(acme)
    failed = notification_enqueue(key="csp:failed", channel="email", recipient="x@example.com",
                                  template="ticket_update", context=ticket_context(ticket, update="status"),
                                  ticket=ticket)
    Notification.objects.filter(pk=failed.pk).update(status=NotificationStatus.FAILED, last_error="550 no such user")
    return {"staff": staff, "admin": admin, "ticket": ticket, "plan": plan}


def test_every_response_carries_a_policy_that_allows_only_our_own_code(client):
    directives = policy(client.get(reverse("login")))
    assert directives["default-src"] == ["'self'"] and directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"] and directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"] and directives["form-action"] == ["'self'"]
    assert not any("unsafe" in value for values in directives.values() for value in values)


def test_api_docs_inline_script_and_style_carry_the_nonce_named_in_the_header(client, world):
    response = login(client, world["admin"]).get("/api/docs/")
    nonce = response_nonce(response)
    assert nonce and f"'nonce-{nonce}'" in policy(response)["style-src"]
    page = response.content.decode()
    assert f'<script nonce="{nonce}">' in page and f'<style nonce="{nonce}">' in page and "SwaggerUIBundle(" in page
    assert blocked_by_csp(response) == []


def test_each_response_has_a_nonce_of_its_own(client, world):
    login(client, world["admin"])
    assert response_nonce(client.get("/api/docs/")) != response_nonce(client.get("/api/docs/"))


def _customer_pages(world):
    ticket = world["ticket"]
    return [reverse("portal:dashboard"), reverse("portal:ticket_new"), reverse("portal:ticket", args=[ticket.pk]),
            reverse("onboarding:plan"), reverse("onboarding:services"), reverse("video_calls:list"), "/api/docs/",
            "/no-such-page/"]


def test_portal_pages_hold_no_inline_code_the_policy_would_block(client, world):
    login(client, world["admin"])
    for url in _customer_pages(world):
        response = client.get(url)
        assert response.status_code in (200, 404), url
        assert blocked_by_csp(response) == [], url


def test_sign_in_page_holds_no_inline_code_the_policy_would_block(client):
    assert blocked_by_csp(client.get(reverse("login"))) == []


@pytest.mark.parametrize("url", [
    "/admin/", "/admin/tickets/ticket/", "/admin/tickets/ticket/{ticket}/change/",
    "/admin/onboarding/onboardingplan/", "/admin/onboarding/onboardingplan/{plan}/change/",
    "/admin/onboarding/planactivity/", "/admin/notifications/notification/", "/admin/accounts/user/add/",
])
def test_back_office_pages_hold_no_inline_code_the_policy_would_block(client, world, url):
    response = login(client, world["staff"]).get(url.format(ticket=world["ticket"].pk, plan=world["plan"].pk))
    assert response.status_code == 200
    assert blocked_by_csp(response) == []

"""Every absolute link the portal sends out (mail, Slack, calendar feeds) is built on SITE_URL,
never on a hard-coded host or on whatever request happened to be around (issue 12.10)."""
import re

import pytest
from django.urls import reverse

from accounts.models import Tier
from notifications.models import Notification
from onboarding.feeds import feed_url
from onboarding.services import calendar_feed_for_account_manager, calendar_feed_for_organization
from tickets import services as tickets
from tests.conftest import login
from tests.factories import CustomerAdminFactory, OrganizationFactory, StaffFactory, TicketFactory, tier

pytestmark = pytest.mark.django_db

SITE = "https://support.example.com"


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE


def _links(text: str) -> set[str]:
    return set(re.findall(r"https?://[^\s\"'<>|]+", text))


def test_the_reply_email_in_the_outbox_links_to_the_ticket_on_site_url(customer, staff):
    ticket = TicketFactory(requester=customer)
    tickets.message_create(ticket=ticket, author=staff, body="We have deployed a fix.")
    mail = Notification.objects.get(template="ticket_reply", recipient=customer.email)
    ticket_page = f"{SITE}/tickets/{ticket.pk}/"
    assert ticket_page in mail.body_text and f'href="{ticket_page}"' in mail.body_html
    assert all(link.startswith(SITE) for link in _links(mail.body_text + mail.body_html))


def test_slack_posts_for_a_linked_organisation_link_to_site_url(staff):
    acme = OrganizationFactory(tier=tier(Tier.ENTERPRISE), slack_channel="C0ACME",
                               slack_posts_all_tickets=True)
    ticket = TicketFactory(requester=CustomerAdminFactory(organization=acme))
    tickets.message_create(ticket=ticket, author=staff, body="We have deployed a fix.")
    post = Notification.objects.filter(channel="slack", ticket=ticket).first()
    assert post is not None and f"{SITE}/tickets/{ticket.pk}/" in post.body_text


def test_calendar_feed_links_use_site_url_on_the_plan_page_and_in_the_back_office(client):
    am = StaffFactory(username="alex", is_superuser=True)
    acme = OrganizationFactory(tier=tier(Tier.ENTERPRISE), account_manager=am)
    admin = CustomerAdminFactory(organization=acme)
    organisation_feed, own_feed = calendar_feed_for_organization(acme), calendar_feed_for_account_manager(am)
    assert feed_url(organisation_feed) == f"{SITE}/calendar/{organisation_feed.secret}.ics"
    assert feed_url(own_feed) == f"{SITE}/calendar/{own_feed.secret}.ics"
    assert feed_url(organisation_feed) in login(client, admin).get(reverse("onboarding:plan")).content.decode()
    plan_admin = reverse("admin:onboarding_onboardingplan_change", args=[acme.onboarding_plan.pk])
    assert feed_url(organisation_feed) in login(client, am).get(plan_admin).content.decode()


def test_links_follow_site_url_not_the_host_of_the_request(client, settings):
    settings.SITE_URL = "https://help.example.org"
    settings.ALLOWED_HOSTS = ["evil.example.net", "testserver"]
    am = StaffFactory(is_superuser=True)
    acme = OrganizationFactory(tier=tier(Tier.ENTERPRISE), account_manager=am)
    feed = calendar_feed_for_organization(acme)
    page = login(client, CustomerAdminFactory(organization=acme)).get(
        reverse("onboarding:plan"), HTTP_HOST="evil.example.net").content.decode()
    assert f"https://help.example.org/calendar/{feed.secret}.ics" in page and "evil.example.net/calendar" not in page

"""The guide's contact channels per tier, held on the Tier (seeded by migration, edited in the
admin) and shown on the portal's Get help page; the navigation shows only the tier's tabs."""
import re

import pytest

from accounts.channels import support_channels_for
from accounts.models import Tier
from tests.conftest import login
from tests.factories import CustomerFactory, OrganizationFactory, UserFactory, tier

pytestmark = pytest.mark.django_db

REPO = "https://github.com/an0mium/aragora"


def nav(page: str) -> list[str]:
    block = page.split('<nav aria-label="Main">', 1)[1].split("</nav>", 1)[0]
    return re.findall(r"<a href=\"[^\"]+\"[^>]*>([^<]+)</a>", block)


def links(page: str) -> set[str]:
    return set(re.findall(r'href="([^"]+)"', page))


def test_the_migration_seeds_each_tiers_channels_from_the_guide():
    tiers = {t.code: t for t in Tier.objects.all()}
    free, pro, enterprise = tiers["free"], tiers["pro"], tiers["enterprise"]
    assert (free.community_url, free.issues_url, free.docs_url) == (f"{REPO}/discussions", f"{REPO}/issues",
                                                                   "https://docs.aragora.ai")
    assert free.support_email == "" and free.hotline_number == ""
    assert (pro.support_email, pro.issues_url, pro.hotline_number) == ("support@aragora.ai", f"{REPO}/issues", "")
    assert enterprise.support_email == "enterprise-support@aragora.ai"
    assert (enterprise.hotline_number, enterprise.hotline_hours) == ("+1-XXX-XXX-XXXX", "24/7 for P1/P2 issues")


def test_enterprise_help_shows_the_hotline_their_slack_channel_and_enterprise_support(client, enterprise_org):
    enterprise_org.slack_channel = "C0ACME42"
    enterprise_org.save()
    page = login(client, CustomerFactory(organization=enterprise_org)).get("/help/").content.decode()
    assert "Emergency hotline" in page and "+1-XXX-XXX-XXXX" in page and "24/7 for P1/P2 issues" in page
    assert "https://slack.com/app_redirect?channel=C0ACME42" in links(page) and "C0ACME42" in page
    assert "mailto:enterprise-support@aragora.ai" in links(page)
    assert "/video-calls/" in links(page) and "24/7/365" in page
    assert "mailto:support@aragora.ai" not in page.split("<footer")[0]


def test_enterprise_without_a_slack_channel_yet_is_told_it_is_being_set_up(client, enterprise_org):
    page = login(client, CustomerFactory(organization=enterprise_org)).get("/help/").content.decode()
    assert "Slack Connect" in page and "being set up" in page
    assert not any("slack.com" in href for href in links(page))


def test_pro_help_shows_support_email_and_business_hours_and_nothing_of_enterprise(client, customer):
    page = login(client, customer).get("/help/").content.decode()
    body = page.split("<footer")[0]
    assert "mailto:support@aragora.ai" in links(body) and "Business hours (9am-6pm PT, Mon-Fri)" in body
    assert f"{REPO}/issues" in links(body) and "https://docs.aragora.ai" in links(body)
    for enterprise_only in ("hotline", "Slack", "enterprise-support@", "/video-calls/"):
        assert enterprise_only not in body, enterprise_only


@pytest.mark.parametrize("path", ["/help/", "/tickets/new/", "/"])
def test_free_pages_link_the_real_forum_issues_and_documentation(client, free_org, path):
    page = login(client, CustomerFactory(organization=free_org)).get(path).content.decode()
    assert {f"{REPO}/discussions", f"{REPO}/issues", "https://docs.aragora.ai"} <= links(page)
    assert 'name="subject"' not in page and "mailto:support@aragora.ai" not in page.split("<footer")[0]


@pytest.mark.parametrize("code, tabs", [
    ("free", ["Get help", "Profile"]),
    ("pro", ["Tickets", "New ticket", "Feature requests", "Get help", "API", "Profile"]),
    ("enterprise", ["Tickets", "New ticket", "Onboarding", "Services", "Video calls", "Feature requests", "Get help", "API", "Profile"]),
])
def test_each_tiers_navigation_has_only_the_tabs_it_has(client, code, tabs):
    user = CustomerFactory(organization=OrganizationFactory(tier=tier(code)))
    login(client, user)
    for path in ("/", "/help/"):
        assert nav(client.get(path).content.decode()) == tabs, path


def test_the_current_tab_is_marked(client, customer, free_org):
    login(client, customer)
    assert '<a href="/help/" aria-current="page">Get help</a>' in client.get("/help/").content.decode()
    assert '<a href="/" aria-current="page">Tickets</a>' in client.get("/").content.decode()
    client.logout()
    login(client, CustomerFactory(organization=free_org))
    assert '<a href="/help/" aria-current="page">Get help</a>' in client.get("/tickets/new/").content.decode()


def test_profile_is_the_current_tab_on_the_profile_and_its_two_factor_pages_not_on_sso(client, customer):
    login(client, customer)
    current = '<a href="/accounts/profile/" aria-current="page">Profile</a>'
    assert current in client.get("/accounts/profile/").content.decode()
    assert current in client.get("/accounts/2fa/").content.decode()
    assert current not in client.get("/accounts/sso/").content.decode()


def test_staff_navigation_leads_to_the_back_office(client, staff):
    login(client, staff)
    assert nav(client.get("/no-such-page/").content.decode()) == ["Back-office", "API", "Profile"]


def test_the_hotline_is_a_tel_link_only_once_it_is_a_real_number(enterprise_org):
    (hotline,) = [c for c in support_channels_for(enterprise_org) if c.key == "hotline"]
    assert hotline.href == "" and hotline.value == "+1-XXX-XXX-XXXX"  # the guide's placeholder
    enterprise_org.tier.hotline_number = "+1 (415) 555-0100"
    (hotline,) = [c for c in support_channels_for(enterprise_org) if c.key == "hotline"]
    assert hotline.href == "tel:+14155550100"


def test_contact_details_are_edited_in_the_admin_and_shown_at_once(client, enterprise_org):
    enterprise = tier("enterprise")
    superuser = UserFactory(is_staff=True, is_superuser=True)
    form = login(client, superuser).get(f"/admin/accounts/tier/{enterprise.pk}/change/").content.decode()
    for field in ("support_email", "hotline_number", "hotline_hours", "community_url", "issues_url", "docs_url"):
        assert f'name="{field}"' in form, field
    enterprise.hotline_number = "+1 415 555 0100"
    enterprise.docs_url = "https://docs.example.com/aragora"
    enterprise.save()
    client.logout()
    page = login(client, CustomerFactory(organization=enterprise_org)).get("/help/").content.decode()
    assert "tel:+14155550100" in links(page) and "https://docs.example.com/aragora" in links(page)


def test_a_tier_without_a_channel_does_not_show_it(client, customer):
    pro = tier("pro")
    pro.issues_url = ""
    pro.save()
    page = login(client, customer).get("/help/").content.decode()
    assert "GitHub issues" not in page and f"{REPO}/issues" not in page


def test_help_needs_a_signed_in_customer(client, staff):
    assert client.get("/help/")["Location"].startswith("/accounts/login/")
    assert login(client, staff).get("/help/")["Location"] == "/admin/"  # as from every portal page

"""The portal's main navigation: only the tabs the viewer's tier has (a template context processor).

Wiring, because the tabs belong to apps of every layer (the ticket core, onboarding, video calls)
and each app's own rule says whether a tier has its tab; the core cannot ask the apps above it.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from onboarding.services import is_enterprise
from video_calls.services import video_calls_allowed


@dataclass(frozen=True)
class Tab:
    key: str
    label: str
    url: str
    current: bool = False


def _on_profile(match) -> bool:
    """The profile and what it links to (tokens, two-factor); not "Sign in with SSO", a sign-in page."""
    if not match:
        return False
    if match.app_name == "accounts":
        return match.url_name != "sso_start"
    return (match.url_name or "").startswith("mfa_")


def _tabs_for(user, match) -> list[Tab]:
    profile = Tab("profile", "Profile", reverse("accounts:profile"), _on_profile(match))
    if user.is_staff:
        return [Tab("admin", "Back-office", reverse("admin:index")), Tab("api", "API", reverse("api-docs")), profile]
    organization = user.organization
    tier = organization.tier
    app, url_name = (match.app_name, match.url_name) if match else ("", "")
    portal = url_name if app == "portal" else ""
    tabs = []
    if tier.ticket_portal:
        tabs += [Tab("tickets", "Tickets", reverse("portal:dashboard"), portal in ("dashboard", "ticket")),
                 Tab("ticket_new", "New ticket", reverse("portal:ticket_new"), portal == "ticket_new")]
    if is_enterprise(organization):  # guided onboarding and professional services are Enterprise's
        tabs += [Tab("onboarding", "Onboarding", reverse("onboarding:plan"), app == "onboarding" and url_name == "plan"),
                 Tab("services", "Services", reverse("onboarding:services"),
                     app == "onboarding" and url_name != "plan")]
    if video_calls_allowed(organization):
        tabs.append(Tab("video_calls", "Video calls", reverse("video_calls:list"), app == "video_calls"))
    if tier.ticket_portal:  # feature requests and the team's figures (feedback), for paying tiers
        tabs.append(Tab("feature_requests", "Feature requests", reverse("feedback:feature_requests"),
                        app == "feedback" and url_name == "feature_requests"))
        if user.is_customer_admin:
            tabs.append(Tab("figures", "Figures", reverse("feedback:figures"), app == "feedback" and url_name == "figures"))
            tabs.append(Tab("uptime", "Uptime", reverse("status:uptime"), app == "status" and url_name == "uptime"))
            tabs.append(Tab("reports", "Reports", reverse("qbr:reports"), app == "qbr"))
    # Free's "new ticket" page is its channels page, as Get help is.
    tabs.append(Tab("help", "Get help", reverse("portal:help"),
                    portal == "help" or (portal == "ticket_new" and not tier.ticket_portal)))
    if tier.ticket_portal:  # the support API files and follows tickets, which Free has none of
        tabs.append(Tab("api", "API", reverse("api-docs")))
    return [*tabs, profile]


def portal_nav(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not (user.is_staff or user.organization_id):
        return {"portal_nav": [], "portal_tabs": frozenset()}
    tabs = _tabs_for(user, getattr(request, "resolver_match", None))
    return {"portal_nav": tabs, "portal_tabs": frozenset(tab.key for tab in tabs)}

"""Where an organisation's people reach support: the guide's contact channels for its tier
(held on the Tier, edited in the admin) and its own Slack Connect channel and named contacts."""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from .models import Organization


@dataclass(frozen=True)
class Channel:
    key: str
    title: str
    value: str  # what is shown: a number, an address, a channel; "" when not set up yet
    href: str  # where it leads; "" when it cannot be followed (a placeholder number)
    note: str


def slack_channel_url(channel_id: str) -> str:
    # Slack's documented redirect: opens the channel in whichever workspace the viewer shares it from.
    return f"https://slack.com/app_redirect?channel={quote(channel_id)}"


def support_channels_for(organization: Organization) -> list[Channel]:
    """The organisation's ways to reach support, most urgent first (hotline, Slack, email), then
    the self-service ones (forum, issues, documentation). Only what its tier offers."""
    tier = organization.tier
    out = []
    if tier.hotline_number:
        out.append(Channel("hotline", "Emergency hotline", tier.hotline_number,
                           f"tel:{tier.hotline_dial}" if tier.hotline_dial else "",
                           f"{tier.hotline_hours}. For critical production issues that need a person now."
                           if tier.hotline_hours else "For critical production issues that need a person now."))
    if "Slack" in tier.channels:
        channel = organization.slack_channel
        out.append(Channel("slack", "Slack Connect", channel, slack_channel_url(channel) if channel else "",
                           "Your dedicated channel: direct access to support engineers, live incident updates and "
                           "planned maintenance notices." if channel else
                           "Your dedicated channel is being set up; your account manager will invite you."))
    if tier.support_email:
        out.append(Channel("email", "Email", tier.support_email, f"mailto:{tier.support_email}",
                           f"Answered: {tier.coverage_hours}. Put the severity in the subject, e.g. "
                           f"“[P2] Login fails for SSO users”, and your account ID in the message."))
    for key, title, url, note in (
        ("community", "Community forum", tier.community_url, "Questions and answers with other Aragora users."),
        ("issues", "GitHub issues", tier.issues_url, "Report a bug or ask for a feature in the open."),
        ("docs", "Documentation", tier.docs_url, "Guides, API reference and troubleshooting."),
    ):
        if url:
            out.append(Channel(key, title, url.split("://", 1)[-1].rstrip("/"), url, note))
    return out

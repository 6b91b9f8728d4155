"""Who hears of an incident update or a maintenance notice, through the outbox: confirmed email
subscribers of the components concerned (or of all components), and the Slack Connect channel of
every Enterprise organisation that uses one of them (docs/status.md)."""
from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from accounts.models import Organization

from . import links
from .models import Subscriber, UptimeAgreement

SLACK_TIERS = ("enterprise",)


def subscribers_of(component_ids: set[int]) -> list[Subscriber]:
    """Confirmed subscribers who chose none of the components (all) or one of these."""
    chosen = Subscriber.objects.filter(confirmed_at__isnull=False, components__in=component_ids)
    everything = Subscriber.objects.filter(confirmed_at__isnull=False, components=None)
    return list((chosen | everything).distinct().order_by("email"))


def enterprise_channels_using(component_ids: set[int]) -> list[str]:
    """The Slack Connect channels of Enterprise organisations that use one of the components
    (an organisation without a chosen list uses them all)."""
    organizations = list(Organization.objects.filter(tier__code__in=SLACK_TIERS).exclude(slack_channel="")
                         .select_related("tier"))
    chosen: dict[int, set[int]] = {}
    for agreement_id, organization_id, component_id in (
            UptimeAgreement.components.through.objects
            .filter(uptimeagreement__organization__in=organizations)
            .values_list("uptimeagreement_id", "uptimeagreement__organization_id", "component_id")):
        chosen.setdefault(organization_id, set()).add(component_id)
    channels = set()
    for organization in organizations:
        uses = chosen.get(organization.pk)
        if (uses is None or uses & component_ids or not component_ids) and organization.linked_slack_channel:
            channels.add(organization.linked_slack_channel)
    return sorted(channels)


def _with_page(context: dict) -> dict:
    return {**context, "status_page_url": settings.SITE_URL.rstrip("/") + reverse("status:page")}


def email_specs(*, key: str, template: str, context: dict, component_ids: set[int]) -> list[dict]:
    context = _with_page(context)
    specs = []
    for subscriber in subscribers_of(component_ids):
        url = links.unsubscribe_url(subscriber)
        # RFC 8058 one-click: mail clients POST "List-Unsubscribe=One-Click" to the link.
        headers = {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
        specs.append({"key": f"{key}:email:{subscriber.email}", "channel": "email", "recipient": subscriber.email,
                      "template": template, "context": {**context, "unsubscribe_url": url, "email_headers": headers}})
    return specs


def slack_specs(*, key: str, template: str, context: dict, component_ids: set[int]) -> list[dict]:
    context = _with_page(context)
    return [{"key": f"{key}:slack:{channel}", "channel": "slack", "recipient": channel, "template": template,
             "context": context} for channel in enterprise_channels_using(component_ids)]

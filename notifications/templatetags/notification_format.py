"""Filters for notification templates, whose contexts hold plain JSON values."""
from datetime import datetime, timezone

from django import template

register = template.Library()

CLOCKS = {"ack": "acknowledgement", "response": "first response", "resolution": "resolution"}
TRIGGERS = {
    "elapsed": "unresolved for longer than the previous level allows",
    "p1_not_acknowledged": "P1 not acknowledged in time",
    "p1_not_resolved": "P1 not resolved in time",
    "customer_request": "the customer asked for escalation",
    "systemic": "linked to a systemic incident",
}


@register.filter
def when(value):
    """An ISO 8601 time as "Mon 3 Mar 2025 14:00 UTC" (recipients are in many time zones)."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    moment = moment.astimezone(timezone.utc)
    return f"{moment:%a} {moment.day} {moment:%b %Y %H:%M} UTC"


@register.filter
def clock_label(value):
    return CLOCKS.get(value, value)


@register.filter
def trigger_label(value):
    return TRIGGERS.get(value, value)


@register.filter
def slack_quote(value):
    """Text as a Slack block quote: every line starts with "> " (Slack quotes line by line)."""
    return "\n".join(f"> {line}" if line.strip() else ">" for line in str(value or "").splitlines())

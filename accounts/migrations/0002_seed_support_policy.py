"""Seed the support policy from the Enterprise Support Guide v1.0.0 (2026-01-14).

Units follow DESIGN.md: the guide's Pro "24 hours" / "72 hours" are 1 and 3 coverage days and
"1 week" is 1 coverage week, so Pro targets stay ordered on its business-hours calendar;
Pro P4 resolution "Best effort" has no target (amount NULL). Free has no SLA at all.
"""
import datetime

from django.db import migrations

TIERS = [
    dict(code="free", name="Free", rank=0, price="$0/month",
         channels=["Community forums", "GitHub issues"], response_time="Best effort",
         coverage_hours="N/A", dedicated_support="No", uptime_sla="None",
         has_sla=False, ticket_portal=False, priority_queue=False, custom_sla_allowed=False,
         calendar_timezone="UTC", business_days=[], business_start=None, business_end=None),
    dict(code="pro", name="Pro", rank=1, price="$99/month",
         channels=["Email", "GitHub issues"], response_time="See matrix",
         coverage_hours="Business hours (9am-6pm PT, Mon-Fri)", dedicated_support="No",
         uptime_sla="99.5% uptime", has_sla=True, ticket_portal=True, priority_queue=False,
         custom_sla_allowed=False, calendar_timezone="America/Los_Angeles", business_days=[1, 2, 3, 4, 5],
         business_start=datetime.time(9, 0), business_end=datetime.time(18, 0)),
    dict(code="enterprise", name="Enterprise", rank=2, price="Custom (contact sales)",
         channels=["Email", "Slack", "Phone", "Video"], response_time="See matrix",
         coverage_hours="24/7/365", dedicated_support="Yes - named account manager",
         uptime_sla="99.9% uptime with credits", has_sla=True, ticket_portal=True, priority_queue=True,
         custom_sla_allowed=True, calendar_timezone="UTC", business_days=[], business_start=None,
         business_end=None),
]

SEVERITIES = [
    ("P1", "Critical", "Service completely unavailable; business operations stopped",
     "API returning 5xx for all requests; data loss"),
    ("P2", "High", "Major feature unavailable; significant business impact",
     "Debates not completing; authentication broken"),
    ("P3", "Medium", "Feature degraded; workaround available", "Slow response times; intermittent errors"),
    ("P4", "Low", "Minor issue; cosmetic or documentation", "Typo in UI; unclear error message"),
]

# (tier, severity): ((response amount, unit), (resolution amount, unit)); None = best effort.
TARGETS = {
    ("pro", "P1"): ((4, "h"), (1, "d")),
    ("pro", "P2"): ((8, "h"), (3, "d")),
    ("pro", "P3"): ((1, "d"), (1, "w")),
    ("pro", "P4"): ((3, "d"), None),
    ("enterprise", "P1"): ((1, "h"), (4, "h")),
    ("enterprise", "P2"): ((2, "h"), (24, "h")),
    ("enterprise", "P3"): ((4, "h"), (72, "h")),
    ("enterprise", "P4"): ((24, "h"), (1, "w")),
}


def seed(apps, schema_editor):
    Tier = apps.get_model("accounts", "Tier")
    Severity = apps.get_model("accounts", "Severity")
    SlaTarget = apps.get_model("accounts", "SlaTarget")
    tiers = {t["code"]: Tier.objects.update_or_create(code=t["code"], defaults=t)[0] for t in TIERS}
    severities = {
        code: Severity.objects.update_or_create(
            code=code, defaults=dict(name=name, definition=definition, examples=examples))[0]
        for code, name, definition, examples in SEVERITIES
    }
    for (tier, severity), (response, resolution) in TARGETS.items():
        for kind, target in (("response", response), ("resolution", resolution)):
            amount, unit = target if target else (None, "h")
            SlaTarget.objects.update_or_create(
                tier=tiers[tier], severity=severities[severity], kind=kind,
                defaults=dict(amount=amount, unit=unit),
            )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

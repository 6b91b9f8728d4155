"""The guide's uptime SLAs: Pro 99.5 % (no credits), Enterprise 99.9 % "with credits" on the
schedule the status issue gives (below 99.9 % → 10 %, below 99.0 % → 25 %, below 95.0 % → 50 %
of the month's fee). Data: staff change them in the admin."""
from decimal import Decimal

from django.db import migrations

SCHEDULES = {
    "pro": ("Pro uptime SLA", Decimal("99.5"), []),
    "enterprise": ("Enterprise uptime SLA", Decimal("99.9"), [
        (Decimal("99.0"), Decimal("99.9"), Decimal("10")),
        (Decimal("95.0"), Decimal("99.0"), Decimal("25")),
        (Decimal("0"), Decimal("95.0"), Decimal("50")),
    ]),
}


def seed(apps, schema_editor):
    Tier = apps.get_model("accounts", "Tier")
    CreditSchedule = apps.get_model("status", "CreditSchedule")
    CreditBand = apps.get_model("status", "CreditBand")
    for code, (name, target, bands) in SCHEDULES.items():
        tier = Tier.objects.filter(code=code).first()
        if tier is None or CreditSchedule.objects.filter(tier=tier).exists():
            continue
        schedule = CreditSchedule.objects.create(name=name, tier=tier, target_percent=target)
        CreditBand.objects.bulk_create(CreditBand(schedule=schedule, lower_percent=lower, upper_percent=upper,
                                                  credit_percent=credit) for lower, upper, credit in bands)


class Migration(migrations.Migration):

    dependencies = [("status", "0004_status_page_uptime_credits"), ("accounts", "0011_tier_contact_channels")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

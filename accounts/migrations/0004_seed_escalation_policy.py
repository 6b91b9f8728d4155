"""Seed the escalation ladder and the acknowledgement target from the Support Guide v1.0.0.

- "Escalate immediately if: P1 issue not acknowledged within 30 minutes (Enterprise)": an
  acknowledgement target of 30 coverage minutes for Enterprise P1.
- Pro ladder: L1 support ticket (0-4 h), L2 senior engineer (4-8 h), L3 engineering lead (8-24 h).
- Enterprise ladder: L1 dedicated support engineer (0-1 h), L2 account manager + senior engineer
  (1-2 h), L3 engineering leadership (2-4 h), L4 executive escalation (4 h+).
- Contacts: L1/L2 business hours (Pro) / 24/7 (Enterprise); L3 VP Engineering and L4 CEO/CTO
  24/7 for P1. P1 and P2 climb the ladder by elapsed time.
"""
from django.db import migrations

LEVELS = {
    "pro": [
        (1, "Support ticket", 0, ["Support engineer"], False, False, "Business hours", False),
        (2, "Senior engineer", 4, ["Senior engineer"], False, False, "Business hours", False),
        (3, "Engineering lead", 8, ["Engineering lead", "VP engineering"], False, False, "24/7 for P1", True),
    ],
    "enterprise": [
        (1, "Dedicated support engineer", 0, ["Support engineer"], False, True, "24/7", False),
        (2, "Account manager + senior engineer", 1, ["Senior engineer"], True, True, "24/7", False),
        (3, "Engineering leadership", 2, ["Engineering lead", "VP engineering"], True, False, "24/7 for P1", True),
        (4, "Executive escalation", 4, ["Executive"], True, False, "24/7 for P1", True),
    ],
}


def seed(apps, schema_editor):
    Tier = apps.get_model("accounts", "Tier")
    Severity = apps.get_model("accounts", "Severity")
    SlaTarget = apps.get_model("accounts", "SlaTarget")
    EscalationLevel = apps.get_model("accounts", "EscalationLevel")
    Group = apps.get_model("auth", "Group")
    enterprise = Tier.objects.get(code="enterprise")
    SlaTarget.objects.update_or_create(
        tier=enterprise, severity=Severity.objects.get(code="P1"), kind="acknowledgement",
        defaults=dict(amount=30, unit="m"))
    for code, levels in LEVELS.items():
        tier = Tier.objects.get(code=code)
        tier.escalation_severities = ["P1", "P2"]
        tier.save(update_fields=["escalation_severities"])
        for number, title, after, roles, am, se, availability, p1_only in levels:
            level, _ = EscalationLevel.objects.update_or_create(
                tier=tier, number=number,
                defaults=dict(title=title, after_hours=after, notify_account_manager=am,
                              notify_support_engineer=se, availability=availability,
                              page_outside_hours_p1_only=p1_only))
            # Roles are groups; they may not exist yet on a fresh database (synced after migrate).
            level.roles.set([Group.objects.get_or_create(name=name)[0] for name in roles])


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_sla_policy"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

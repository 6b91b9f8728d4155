"""Where each tier's customers reach us, from the guide's "Contact Channels" and "Contact
Information" (Enterprise Support Guide v1.0.0), shown on the portal's Get help page.

The guide names the channels but gives no web addresses: the forum, issues and documentation
links are the Aragora project's public ones (its GitHub repository's Discussions and Issues, and
docs.aragora.ai). Its hotline is printed as "+1-XXX-XXX-XXXX", a placeholder: it is seeded as
printed (shown, not dialable) until the real number is entered in the admin (Tiers → Enterprise).
"""
from django.db import migrations, models

REPOSITORY = "https://github.com/an0mium/aragora"
DOCS = "https://docs.aragora.ai"
CONTACTS = {
    "free": dict(community_url=f"{REPOSITORY}/discussions", issues_url=f"{REPOSITORY}/issues", docs_url=DOCS),
    "pro": dict(support_email="support@aragora.ai", issues_url=f"{REPOSITORY}/issues", docs_url=DOCS),
    "enterprise": dict(support_email="enterprise-support@aragora.ai", hotline_number="+1-XXX-XXX-XXXX",
                       hotline_hours="24/7 for P1/P2 issues", docs_url=DOCS),
}


def seed(apps, schema_editor):
    Tier = apps.get_model("accounts", "Tier")
    for code, values in CONTACTS.items():
        Tier.objects.filter(code=code).update(**values)


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0010_move_drf_tokens_to_api_tokens"),
    ]

    operations = [
        migrations.AddField(
            model_name="tier",
            name="community_url",
            field=models.URLField(blank=True, verbose_name="community forum URL"),
        ),
        migrations.AddField(
            model_name="tier",
            name="docs_url",
            field=models.URLField(blank=True, verbose_name="documentation URL"),
        ),
        migrations.AddField(
            model_name="tier",
            name="hotline_hours",
            field=models.CharField(blank=True, help_text="When and for what the hotline answers.", max_length=100),
        ),
        migrations.AddField(
            model_name="tier",
            name="hotline_number",
            field=models.CharField(blank=True, help_text="Emergency hotline (Enterprise).", max_length=40),
        ),
        migrations.AddField(
            model_name="tier",
            name="issues_url",
            field=models.URLField(blank=True, verbose_name="GitHub issues URL"),
        ),
        migrations.AddField(
            model_name="tier",
            name="support_email",
            field=models.EmailField(blank=True, help_text="Support mailbox (Pro: support@, Enterprise: the dedicated "
                                                          "enterprise-support@ queue).", max_length=254),
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]

"""Platform components a ticket can name (data; edited in the admin)."""
from django.db import migrations

COMPONENTS = ["API", "Authentication / SSO", "Billing", "Debates", "Integrations", "SDK", "Web UI"]


def seed(apps, schema_editor):
    Component = apps.get_model("tickets", "Component")
    for name in COMPONENTS:
        Component.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0002_sla_clocks")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

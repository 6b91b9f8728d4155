"""The moved tables take the status app's names (a rename: rows, keys and references stay), and
their content types follow them, so permissions granted and the admin's history stay attached."""
from django.db import migrations

MOVED = {"tickets": ["component", "incident", "incidentupdate"], "maintenance": ["maintenancewindow"]}


def content_types_follow(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for app_label, models in MOVED.items():
        for model in models:
            if not ContentType.objects.filter(app_label="status", model=model).exists():
                ContentType.objects.filter(app_label=app_label, model=model).update(app_label="status")


class Migration(migrations.Migration):

    dependencies = [
        ("status", "0001_components_incidents_maintenance_move_here"),
        ("tickets", "0008_components_and_incidents_move_to_status"),
        ("maintenance", "0002_windows_move_to_status"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AlterModelTable(name="component", table=None),
        migrations.AlterModelTable(name="incident", table=None),
        migrations.AlterModelTable(name="incidentupdate", table=None),
        migrations.AlterModelTable(name="maintenancewindow", table=None),
        migrations.RunPython(content_types_follow, migrations.RunPython.noop),
    ]

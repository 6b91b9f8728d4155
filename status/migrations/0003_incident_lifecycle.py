"""Incidents as Statuspage has them: a status and an impact, the components they affect with
their status during the incident (formerly one component), and updates that carry the status
they announced (formerly a "resolves" flag). Existing rows are carried over (forwards below)."""
import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


def forwards(apps, schema_editor):
    Incident = apps.get_model("status", "Incident")
    IncidentComponent = apps.get_model("status", "IncidentComponent")
    IncidentUpdate = apps.get_model("status", "IncidentUpdate")
    # Incidents so far were opened by the systemic-problem detection: a component degraded.
    IncidentComponent.objects.bulk_create(
        IncidentComponent(incident_id=pk, component_id=component_id, status="degraded_performance")
        for pk, component_id in Incident.objects.order_by("pk").values_list("pk", "component_id"))
    Incident.objects.filter(resolved_at__isnull=False).order_by().update(status="resolved")
    for incident in Incident.objects.order_by("pk"):  # the old default ordering names opened_at
        incident.created_at = incident.updated_at = incident.started_at
        incident.save(update_fields=["created_at", "updated_at"])
    IncidentUpdate.objects.filter(resolves=True).order_by().update(status="resolved")


class Migration(migrations.Migration):

    dependencies = [("status", "0002_tables_renamed")]

    operations = [
        migrations.AlterModelOptions(name="incident", options={"ordering": ["-pk"]}),
        migrations.RenameField(model_name="incident", old_name="opened_at", new_name="started_at"),
        migrations.AddField(model_name="incident", name="status", field=models.CharField(
            choices=[("investigating", "Investigating"), ("identified", "Identified"), ("monitoring", "Monitoring"),
                     ("resolved", "Resolved")], default="investigating", max_length=20)),
        migrations.AddField(model_name="incident", name="impact", field=models.CharField(
            choices=[("none", "None"), ("minor", "Minor"), ("major", "Major"), ("critical", "Critical")],
            default="minor", max_length=10)),
        migrations.AddField(model_name="incident", name="postmortem", field=models.TextField(
            blank=True, help_text="Post-incident review: cause, fix, follow-ups (public).")),
        migrations.AddField(model_name="incident", name="created_at",
                            field=models.DateTimeField(default=django.utils.timezone.now)),
        migrations.AddField(model_name="incident", name="updated_at",
                            field=models.DateTimeField(default=django.utils.timezone.now)),
        migrations.CreateModel(
            name="IncidentComponent",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("status", models.CharField(choices=[
                    ("operational", "Operational"), ("under_maintenance", "Under maintenance"),
                    ("degraded_performance", "Degraded performance"), ("partial_outage", "Partial outage"),
                    ("major_outage", "Major outage")], default="degraded_performance", max_length=20)),
                ("component", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                                to="status.component")),
                ("incident", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="affected",
                                               to="status.incident")),
            ],
            options={"constraints": [models.UniqueConstraint(fields=("incident", "component"),
                                                             name="incident_component_once")]},
        ),
        migrations.AddField(model_name="incidentupdate", name="status", field=models.CharField(
            choices=[("investigating", "Investigating"), ("identified", "Identified"), ("monitoring", "Monitoring"),
                     ("resolved", "Resolved")], default="investigating", max_length=20)),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]

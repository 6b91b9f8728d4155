"""Components and incidents (from tickets) and maintenance windows (from maintenance) become the
status app's. State only: the tables stay as they are, rows and all (0002 renames them once
tickets and maintenance have let go of the models in their own state)."""
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("accounts", "0011_tier_contact_channels"),
        ("tickets", "0007_attachment_names_without_format_controls"),
        ("maintenance", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    state_operations = [
        migrations.CreateModel(
            name="Component",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=100, unique=True)),
            ],
            options={"ordering": ["name"], "db_table": "tickets_component"},
        ),
        migrations.CreateModel(
            name="Incident",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("title", models.CharField(max_length=200)),
                ("opened_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("resolved_at", models.DateTimeField(blank=True, null=True)),
                ("component", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="incidents",
                                                to="status.component")),
            ],
            options={"ordering": ["-opened_at"], "db_table": "tickets_incident"},
        ),
        migrations.CreateModel(
            name="IncidentUpdate",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("body", models.TextField()),
                ("resolves", models.BooleanField(default=False)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("incident", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="updates",
                                               to="status.incident")),
                ("posted_by", models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL,
                                                related_name="+", to=settings.AUTH_USER_MODEL)),
            ],
            options={"ordering": ["created_at", "pk"], "db_table": "tickets_incidentupdate"},
        ),
        migrations.CreateModel(
            name="MaintenanceWindow",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("title", models.CharField(max_length=200)),
                ("description", models.TextField()),
                ("starts_at", models.DateTimeField()),
                ("ends_at", models.DateTimeField()),
                ("status", models.CharField(choices=[("scheduled", "Scheduled"), ("cancelled", "Cancelled")],
                                            default="scheduled", max_length=10)),
                ("revision", models.PositiveIntegerField(default=1)),
                ("announced_revision", models.PositiveIntegerField(default=0)),
                ("reminded_revision", models.PositiveIntegerField(default=0)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("components", models.ManyToManyField(blank=True, related_name="maintenance_windows",
                                                      to="status.component")),
                ("created_by", models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL,
                                                 related_name="+", to=settings.AUTH_USER_MODEL)),
                ("organizations", models.ManyToManyField(blank=True, related_name="maintenance_windows",
                                                         to="accounts.organization")),
            ],
            options={
                "ordering": ["-starts_at"], "db_table": "maintenance_maintenancewindow",
                "indexes": [models.Index(condition=models.Q(("status", "scheduled")), fields=["starts_at"],
                                         name="maint_scheduled_start")],
                "constraints": [models.CheckConstraint(condition=models.Q(("ends_at__gt", models.F("starts_at"))),
                                                       name="maint_ends_after_start")],
            },
        ),
    ]

    operations = [migrations.SeparateDatabaseAndState(state_operations=state_operations, database_operations=[])]

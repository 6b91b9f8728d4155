"""Maintenance windows belong to the status app now (status 0001 took the model over with its
table). State only; this app keeps only its migrations (docs/status.md)."""
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("maintenance", "0001_initial"),
        ("status", "0001_components_incidents_maintenance_move_here"),
    ]

    operations = [migrations.SeparateDatabaseAndState(
        state_operations=[migrations.DeleteModel(name="MaintenanceWindow")], database_operations=[])]

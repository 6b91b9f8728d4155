"""Components and incidents belong to the status app now (status 0001 took them over with their
tables); the tickets keep pointing at the same rows. State only."""
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("tickets", "0007_attachment_names_without_format_controls"),
        ("status", "0001_components_incidents_maintenance_move_here"),
    ]

    state_operations = [
        migrations.AlterField(
            model_name="ticket", name="component",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT,
                                    related_name="tickets", to="status.component"),
        ),
        migrations.AlterField(
            model_name="ticket", name="incident",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                                    related_name="tickets", to="status.incident"),
        ),
        migrations.DeleteModel(name="IncidentUpdate"),
        migrations.DeleteModel(name="Incident"),
        migrations.DeleteModel(name="Component"),
    ]

    operations = [migrations.SeparateDatabaseAndState(state_operations=state_operations, database_operations=[])]

"""Components, incidents, their updates and maintenance windows moved from tickets and
maintenance into status with their rows: what existed before the move is there after it, with
what the new model needs filled in (affected component, statuses)."""
import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("tickets", "0007_attachment_names_without_format_controls"), ("maintenance", "0001_initial"),
          ("accounts", "0011_tier_contact_channels")]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_moving_to_the_status_app_keeps_every_row():
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    Component = old.get_model("tickets", "Component")
    api = Component.objects.get(name="API")
    now = timezone.now()
    open_incident = old.get_model("tickets", "Incident").objects.create(component=api, title="Systemic issue: API",
                                                                         opened_at=now)
    done = old.get_model("tickets", "Incident").objects.create(component=api, title="Old", opened_at=now,
                                                               resolved_at=now)
    Update = old.get_model("tickets", "IncidentUpdate")
    Update.objects.create(incident=done, body="Fixed.", resolves=True)
    Update.objects.create(incident=open_incident, body="Looking.", resolves=False)
    window = old.get_model("maintenance", "MaintenanceWindow").objects.create(
        title="DB", description="x", starts_at=now, ends_at=now + timezone.timedelta(hours=1))
    window.components.add(api)

    executor = MigrationExecutor(connection)
    executor.migrate(latest)
    from status.models import Component as NewComponent, Incident, IncidentUpdate, MaintenanceWindow

    assert NewComponent.objects.get(pk=api.pk).name == "API"
    moved = Incident.objects.get(pk=open_incident.pk)
    assert (moved.title, moved.status, moved.started_at, moved.resolved_at) == ("Systemic issue: API", "investigating",
                                                                                 now, None)
    assert [(a.component.name, a.status) for a in moved.affected.all()] == [("API", "degraded_performance")]
    assert Incident.objects.get(pk=done.pk).status == "resolved"
    assert sorted(IncidentUpdate.objects.values_list("body", "status")) == [("Fixed.", "resolved"),
                                                                           ("Looking.", "investigating")]
    assert list(MaintenanceWindow.objects.get(pk=window.pk).components.values_list("name", flat=True)) == ["API"]

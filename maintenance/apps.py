from django.apps import AppConfig


class MaintenanceConfig(AppConfig):
    """Migrations only: the windows moved to the status app with their rows (docs/status.md)."""

    name = "maintenance"
    verbose_name = "Planned maintenance (moved to status)"

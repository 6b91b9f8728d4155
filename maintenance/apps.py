from django.apps import AppConfig


class MaintenanceConfig(AppConfig):
    name = "maintenance"
    verbose_name = "Planned maintenance"

    def ready(self):
        from tickets import panels

        from .selectors import dashboard_panel

        panels.register(panels.DASHBOARD, "maintenance", template="maintenance/_dashboard_panel.html",
                        context=dashboard_panel)

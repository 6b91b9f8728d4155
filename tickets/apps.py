from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = "Tickets"

    def ready(self):
        from . import alerts, events, list_cache
        from .models import EventKind
        from .sla import policy_signals  # noqa: F401  (connects the receivers)

        # First subscriber: whatever else reacts, cached lists learn of every change.
        events.subscribe("tickets.list_cache", list_cache.ticket_changes_invalidate)
        events.subscribe("tickets.urgent_alert", alerts.urgent_tickets_alert, kinds=[EventKind.CREATED])

        # The status domain below the core: its incident updates reach the linked tickets' people,
        # and its maintenance shows on the customer's dashboard.
        from status import events as status_events
        from status.selectors import dashboard_panel as maintenance_panel

        from . import panels
        from .services import incident_update_notify
        status_events.on_incident_update(incident_update_notify)
        panels.register(panels.DASHBOARD, "maintenance", template="status/_maintenance_panel.html",
                        context=maintenance_panel)

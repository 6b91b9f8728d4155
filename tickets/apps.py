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

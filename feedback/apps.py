from django.apps import AppConfig
from django.db.models.signals import post_migrate


class FeedbackConfig(AppConfig):
    name = "feedback"
    verbose_name = "Feedback and figures"

    def ready(self):
        from tickets import events, panels
        from tickets.models import EventKind

        from . import ticket_admin  # noqa: F401  (adds the queue's CSAT filter, ratings and action)
        from .roles import sync_feedback_permissions
        from .selectors import dashboard_ratings_panel, ticket_rating_panel
        from .subscribers import KINDS, ticket_changes

        assert EventKind.STATUS_CHANGED in KINDS
        events.subscribe("feedback.csat", ticket_changes, kinds=KINDS)
        panels.register(panels.TICKET, "feedback.rating", template="feedback/_ticket_rating.html",
                        context=ticket_rating_panel)
        panels.register(panels.DASHBOARD, "feedback.ratings", template="feedback/_dashboard_ratings.html",
                        context=dashboard_ratings_panel)
        post_migrate.connect(sync_feedback_permissions, dispatch_uid="feedback.sync_permissions")

from django.apps import AppConfig


class SlackConnectConfig(AppConfig):
    name = "slack_connect"
    verbose_name = "Slack Connect"

    def ready(self):
        from tickets import events

        from . import threads  # noqa: F401  (connects the thread-keeping receivers)
        from .outbound import POSTED_EVENTS, ticket_changes_post

        events.subscribe("slack_connect.ticket_updates", ticket_changes_post, kinds=POSTED_EVENTS)

from django.apps import AppConfig


class SlackConnectConfig(AppConfig):
    name = "slack_connect"
    verbose_name = "Slack Connect"

    def ready(self):
        from . import threads  # noqa: F401  (connects the thread-keeping receivers)

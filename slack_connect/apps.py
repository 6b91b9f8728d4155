from django.apps import AppConfig


class SlackConnectConfig(AppConfig):
    name = "slack_connect"
    verbose_name = "Slack Connect"

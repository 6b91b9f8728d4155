from django.apps import AppConfig


class EmailIntakeConfig(AppConfig):
    name = "email_intake"
    verbose_name = "Inbound email"

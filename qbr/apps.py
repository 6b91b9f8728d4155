from django.apps import AppConfig


class QbrConfig(AppConfig):
    name = "qbr"
    verbose_name = "QBRs and usage reports"

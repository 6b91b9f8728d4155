from django.apps import AppConfig
from django.db.models.signals import post_migrate


class QbrConfig(AppConfig):
    name = "qbr"
    verbose_name = "QBRs and usage reports"

    def ready(self):
        from .roles import sync_qbr_permissions

        post_migrate.connect(sync_qbr_permissions, dispatch_uid="qbr.sync_permissions")

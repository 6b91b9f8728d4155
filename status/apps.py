from django.apps import AppConfig


class StatusConfig(AppConfig):
    name = "status"
    verbose_name = "Status page, uptime and credits"
    default_auto_field = "django.db.models.BigAutoField"

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class OnboardingConfig(AppConfig):
    name = "onboarding"
    verbose_name = "Enterprise onboarding"

    def ready(self):
        from . import signals  # noqa: F401  (connects the receivers)
        from .roles import sync_onboarding_permissions

        post_migrate.connect(sync_onboarding_permissions, dispatch_uid="onboarding.sync_permissions")

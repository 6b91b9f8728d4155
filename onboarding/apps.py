from django.apps import AppConfig
from django.db.models.signals import post_migrate


class OnboardingConfig(AppConfig):
    name = "onboarding"
    verbose_name = "Enterprise onboarding"

    def ready(self):
        from tickets import panels

        from . import signals  # noqa: F401  (connects the receivers)
        from .roles import sync_onboarding_permissions
        from .selectors import out_of_scope_panel

        post_migrate.connect(sync_onboarding_permissions, dispatch_uid="onboarding.sync_permissions")
        panels.register(panels.TICKET, "onboarding.out_of_scope", template="onboarding/_out_of_scope.html",
                        context=out_of_scope_panel)

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Organisations, people and support policy"

    def ready(self):
        from . import signals  # noqa: F401  (connects the receivers)
        from . import token_signals  # noqa: F401  (API tokens: revocation and cache)
        from . import two_factor  # noqa: F401  (marks sign-ins that must enrol a second factor)
        from .roles import sync_staff_roles

        # Run after every app's permissions exist (post_migrate fires per app; the last wins).
        post_migrate.connect(sync_staff_roles, dispatch_uid="accounts.sync_staff_roles")

"""Two-factor authenticators in the back-office: who has which, and a reset for a lost phone.

allauth's own admin page shows and edits each authenticator's data (the TOTP secret, the recovery
codes' seed); whoever reads it can make the person's codes. This one shows only what and when."""
from allauth.mfa.models import Authenticator
from django.contrib import admin, messages

from .token_admin import SuperuserViewAndDeleteOnly

if admin.site.is_registered(Authenticator):
    admin.site.unregister(Authenticator)


@admin.action(description="Reset selected (lost phone or key: they enrol again at their next sign-in)",
              permissions=["delete"])
def reset(modeladmin, request, queryset):
    count, _ = queryset.delete()
    modeladmin.message_user(request, f"Removed {count} authenticator(s).", messages.SUCCESS)


@admin.register(Authenticator)
class AuthenticatorAdmin(SuperuserViewAndDeleteOnly, admin.ModelAdmin):
    list_display = ["user", "type", "created_at", "last_used_at"]
    list_filter = ["type"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__email"]
    readonly_fields = ["user", "type", "created_at", "last_used_at"]
    fields = readonly_fields
    actions = [reset]

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    # A superuser's page, as API tokens are: removing someone's second factor is a way into their
    # account. No add: enrolled by their owner, with their own device.

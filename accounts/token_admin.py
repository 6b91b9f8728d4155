"""API tokens in the back-office: who holds which, and a revoke action (the keys are never shown:
only their hashes are stored)."""
from django.contrib import admin, messages
from rest_framework.authtoken.models import TokenProxy

from .models import ApiToken

# DRF's clear-text tokens are no longer accepted (accounts/migrations/0010 moved them here).
if admin.site.is_registered(TokenProxy):
    admin.site.unregister(TokenProxy)


@admin.action(description="Revoke selected tokens", permissions=["delete"])
def revoke(modeladmin, request, queryset):
    count, _ = queryset.delete()  # each deleted row's signal drops its cache entry (token_signals)
    modeladmin.message_user(request, f"Revoked {count} token(s).", messages.SUCCESS)


class SuperuserViewAndDeleteOnly:
    """An admin page only superusers see, where rows are looked at and deleted, never added or
    edited: credentials that belong to their owner (API tokens, two-factor authenticators)."""

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(SuperuserViewAndDeleteOnly, admin.ModelAdmin):
    list_display = ["name", "prefix", "scope", "user", "created_at", "last_used_at", "expires_at"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__email", "name", "prefix"]
    readonly_fields = ["user", "name", "prefix", "scope", "created_at", "last_used_at", "expires_at"]
    fields = readonly_fields
    actions = [revoke]

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # "Revoke" says what deleting a token means
        return actions

    # A superuser's page, whatever permissions a staff member is given (docs/security.md: who holds
    # a key acts as its user; revoking one is cutting someone's integration off). No add: made by
    # their owner (profile page, POST /api/v1/auth/token/), the key is theirs alone.

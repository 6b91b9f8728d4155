from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import models

from .models import CustomSlaTarget, Heartbeat, Organization, Severity, SlaTarget, Tier, User


class SlaTargetInline(admin.TabularInline):
    model = SlaTarget
    extra = 0
    list_select_related = ["severity"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("severity")


@admin.register(Tier)
class TierAdmin(admin.ModelAdmin):
    list_display = ["name", "price", "coverage_hours", "dedicated_support", "uptime_sla", "has_sla", "priority_queue"]
    inlines = [SlaTargetInline]
    # Typed without a scheme, a link is https (Django 6's default; 5.2 would assume http).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_fieldsets(self, request, obj=None):
        # The contact channels of the portal's Get help page, together; everything else as before.
        contact = ["support_email", "hotline_number", "hotline_hours", "community_url", "issues_url", "docs_url"]
        rest = [name for name in self.get_fields(request, obj) if name not in contact]
        return [(None, {"fields": rest}),
                ("Contact channels (portal: Get help)", {"fields": contact,
                                                         "description": "Blank = the tier does not offer it."})]


@admin.register(Severity)
class SeverityAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "definition", "examples"]


class CustomSlaTargetInline(admin.TabularInline):
    model = CustomSlaTarget
    extra = 0
    verbose_name_plural = "Custom SLA (negotiated targets; replace the tier's for that severity)"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("severity")


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "account_id", "tier", "account_manager", "support_engineer", "created_at"]
    list_filter = ["tier"]
    list_select_related = ["tier", "account_manager", "support_engineer"]
    search_fields = ["name", "account_id"]
    readonly_fields = ["account_id", "created_at"]
    autocomplete_fields = ["account_manager", "support_engineer"]
    inlines = [CustomSlaTargetInline]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "email", "first_name", "last_name", "organization", "customer_role", "is_staff"]
    list_filter = ["is_staff", "customer_role", "groups", "organization__tier"]
    list_select_related = ["organization"]
    search_fields = ["username", "email", "first_name", "last_name", "organization__name", "organization__account_id"]
    autocomplete_fields = ["organization"]
    fieldsets = BaseUserAdmin.fieldsets + (
        ("Customer", {"fields": ("organization", "customer_role", "slack_user_id")}),
        ("Preferences", {"fields": ("timezone",)}),
    )


@admin.register(Heartbeat)
class HeartbeatAdmin(admin.ModelAdmin):
    list_display = ["name", "seen_at"]

    def has_add_permission(self, request):
        return False

from django.contrib import admin
from django.db import models

from . import staff_scope
from .admin_scope import RowScopeMixin
from .models import CustomSlaTarget, Heartbeat, Organization, Severity, SlaTarget, Tier


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
class OrganizationAdmin(RowScopeMixin, admin.ModelAdmin):
    list_display = ["name", "account_id", "tier", "account_manager", "support_engineer", "created_at"]
    list_filter = ["tier", "mfa_required"]
    list_select_related = ["tier", "account_manager", "support_engineer"]
    search_fields = ["name", "account_id"]
    readonly_fields = ["account_id", "created_at"]
    autocomplete_fields = ["account_manager", "support_engineer"]
    inlines = [CustomSlaTargetInline]

    # Everyone on staff sees every organisation (the ticket queue links here); an account manager
    # changes only their own, and a superuser decides who manages which (accounts.staff_scope).
    may_change_row = staticmethod(staff_scope.may_change_organization)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return fields if request.user.is_superuser else fields + ["account_manager"]

    def get_autocomplete_fields(self, request):
        # The user autocomplete answers from the user admin, which an account manager sees scoped
        # to their customers: a plain list of staff serves them instead.
        return self.autocomplete_fields if request.user.is_superuser else []

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "support_engineer" and not request.user.is_superuser and formfield:
            # Adding or editing a staff account from here is a superuser's, like everywhere else.
            widget = formfield.widget
            widget.can_add_related = widget.can_change_related = widget.can_delete_related = False
            widget.can_view_related = False
        return formfield

    def save_model(self, request, obj, form, change):
        if not change and not request.user.is_superuser:
            obj.account_manager = request.user  # whoever opens an account manages it
        super().save_model(request, obj, form, change)


@admin.register(Heartbeat)
class HeartbeatAdmin(admin.ModelAdmin):
    list_display = ["name", "seen_at"]

    def has_add_permission(self, request):
        return False


from . import admin_users  # noqa: E402,F401  (registers users, roles and tokens)
from . import token_admin  # noqa: E402,F401  (API tokens; in their own module)
from .sso import admin as sso_admin  # noqa: E402,F401  (single sign-on; superusers only)
from . import two_factor_admin  # noqa: E402,F401  (two-factor authenticators, superusers only)

"""Who can sign in as whom, and with what powers: users and roles (groups); API tokens are in
token_admin.py.

Superusers get Django's stock pages. Anyone else who may edit users (account managers) sees and
edits only their organisations' customers, on forms without the privilege fields; other rows,
staff accounts included, are a 404 (accounts.staff_scope says why)."""
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin, UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from . import staff_scope
from .admin_scope import RowScopeMixin
from .models import Organization, User

_CUSTOMER_FIELDS = ("organization", "customer_role", "slack_user_id")
_SCOPED_FIELDSETS = (
    (None, {"fields": ("username", "password")}),
    ("Personal info", {"fields": ("first_name", "last_name", "email")}),
    ("Access", {"fields": ("is_active", "last_login", "date_joined")}),
    ("Customer", {"fields": _CUSTOMER_FIELDS}),
    ("Preferences", {"fields": ("timezone",)}),
)
_SCOPED_ADD_FIELDSETS = (
    (None, {"classes": ("wide",), "fields": ("username", "email", "first_name", "last_name", "organization",
                                             "customer_role", "usable_password", "password1", "password2")}),
)


def _superuser(request) -> bool:
    return request.user.is_superuser


@admin.register(User)
class UserAdmin(RowScopeMixin, BaseUserAdmin):
    list_display = ["username", "email", "first_name", "last_name", "organization", "customer_role", "is_staff"]
    list_filter = ["is_staff", "customer_role", "groups", "organization__tier"]
    list_select_related = ["organization"]
    search_fields = ["username", "email", "first_name", "last_name", "organization__name", "organization__account_id"]
    autocomplete_fields = ["organization"]
    may_change_row = staticmethod(staff_scope.may_change_user)
    fieldsets = BaseUserAdmin.fieldsets + (
        ("Customer", {"fields": _CUSTOMER_FIELDS}),
        ("Preferences", {"fields": ("timezone",)}),
    )

    def _scoped(self, request) -> bool:
        return not _superuser(request) and staff_scope.manages_users(request.user)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if self._scoped(request):
            # Their own account stays visible (read-only), so links to it do not dead-end.
            queryset = queryset.filter(staff_scope.managed_customers_q(request.user) | Q(pk=request.user.pk))
        return queryset

    def get_fieldsets(self, request, obj=None):
        if _superuser(request):
            return super().get_fieldsets(request, obj)
        if obj is None:
            return _SCOPED_ADD_FIELDSETS
        if not self.has_change_permission(request, obj):
            # Without the "Reset password" button, which would only lead to a refusal.
            return ((None, {"fields": ("username",)}),) + _SCOPED_FIELDSETS[1:]
        return _SCOPED_FIELDSETS

    def get_readonly_fields(self, request, obj=None):
        if _superuser(request) or obj is None:
            return super().get_readonly_fields(request, obj)
        # Moving a customer to another organisation moves what they can see: a superuser's call.
        return ["organization", "last_login", "date_joined"]

    def get_autocomplete_fields(self, request):
        # The autocomplete lists every organisation; a scoped form offers only the actor's own.
        return self.autocomplete_fields if _superuser(request) else []

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "organization" and not _superuser(request):
            kwargs["queryset"] = Organization.objects.filter(staff_scope.managed_organizations_q(request.user))
            kwargs["required"] = True
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "customer_role" and not _superuser(request):
            kwargs["required"] = True  # a customer has a role (database constraint): say so on the form
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        # The forms above cannot set these; this holds if a form is ever widened by mistake.
        if not _superuser(request) and (
            not staff_scope.may_change_user(request.user, obj)
            or set(staff_scope.PRIVILEGE_FIELDS) & set(form.changed_data)
        ):
            raise PermissionDenied
        super().save_model(request, obj, form, change)

    def _found_or_404(self, request, object_id) -> None:
        # The stock admin redirects to its index for a row outside the queryset; say 404.
        if self.get_object(request, unquote(object_id)) is None:
            raise Http404("No such user.")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        self._found_or_404(request, object_id)
        return super().change_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        self._found_or_404(request, object_id)
        return super().delete_view(request, object_id, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        self._found_or_404(request, object_id)
        return super().history_view(request, object_id, extra_context)


class SuperuserWritesMixin:
    """Rows that define powers: whoever may change them may give themselves any power."""

    def has_add_permission(self, request, *args):
        return _superuser(request)

    def has_change_permission(self, request, obj=None):
        return _superuser(request)

    def has_delete_permission(self, request, obj=None):
        return _superuser(request)


admin.site.unregister(Group)


@admin.register(Group)
class RoleAdmin(SuperuserWritesMixin, BaseGroupAdmin):
    pass

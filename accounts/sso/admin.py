"""Single sign-on in the admin: superusers only (an IdP signs in every member of its organisation,
so configuring one is a privilege, like making staff)."""
from allauth.socialaccount.models import SocialApp, SocialToken
from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.html import format_html, format_html_join

from .models import OrganizationSso, SsoProtocol
from .services import organization_sso_delete, organization_sso_save, organization_sso_validate, sp_urls


class OrganizationSsoForm(forms.ModelForm):
    class Meta:
        model = OrganizationSso
        fields = "__all__"
        widgets = {"oidc_client_secret": forms.PasswordInput(render_value=True)}

    def _post_clean(self):
        super()._post_clean()
        if self.errors or not self.instance.organization_id:
            return
        try:
            organization_sso_validate(sso=self.instance)  # reads the metadata, as the save will
        except ValidationError as exc:
            self.add_error(None, exc)


@admin.register(OrganizationSso)
class OrganizationSsoAdmin(admin.ModelAdmin):
    form = OrganizationSsoForm
    list_display = ["organization", "protocol", "enabled", "sso_required", "email_domains", "slug"]
    list_filter = ["protocol", "enabled", "sso_required"]
    list_select_related = ["organization"]
    search_fields = ["organization__name", "organization__account_id", "email_domains"]
    readonly_fields = ["slug", "service_provider", "updated_at"]
    autocomplete_fields = ["organization"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}  # as TierAdmin: typed bare, a link is https
    fieldsets = [
        (None, {"fields": ["organization", "protocol", "enabled", "sso_required", "email_domains", "slug",
                           "service_provider"]}),
        ("Role mapping (just-in-time provisioning)", {"fields": [
            "default_role", "role_attribute", "admin_values", "update_role_on_login"]}),
        ("SAML 2.0: the customer's IdP", {"fields": ["idp_metadata_xml", "idp_metadata_url", "allow_idp_initiated"]}),
        ("OpenID Connect: the customer's IdP", {"fields": ["oidc_discovery_url", "oidc_client_id",
                                                           "oidc_client_secret"]}),
        (None, {"fields": ["updated_at"]}),
    ]

    @admin.display(description="Give the customer's IdP")
    def service_provider(self, obj):
        if not obj or not obj.slug:
            return "Shown once saved: our SP metadata, ACS URL and OIDC redirect URI for this organisation."
        urls = sp_urls(obj.slug)
        rows = ([("SP metadata URL", urls["metadata"]), ("SP entity ID", urls["entity_id"]),
                 ("ACS URL (HTTP-POST)", urls["acs"]), ("Single logout URL", urls["sls"])]
                if obj.protocol == SsoProtocol.SAML else [("Redirect URI", urls["oidc_redirect_uri"])])
        rows.append(("Sign-in link for its people", urls["login"]))
        return format_html("<dl>{}</dl>", format_html_join("", "<dt>{}</dt><dd><code>{}</code></dd>", rows))

    def save_model(self, request, obj, form, change):
        organization_sso_save(sso=obj)

    def delete_model(self, request, obj):
        organization_sso_delete(sso=obj)

    def delete_queryset(self, request, queryset):
        for sso in queryset:
            organization_sso_delete(sso=sso)

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


# Apps are written only through the page above (it keeps them in step); tokens are never stored.
for _model in (SocialApp, SocialToken):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)

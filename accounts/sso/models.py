"""Single sign-on per organisation (docs/security.md, "Single sign-on").

One OrganizationSso per organisation that signs in through its own identity provider; staff edit
it in the admin and accounts.sso.services keeps allauth's SocialApp (what allauth's SAML and
OpenID Connect providers read) in step with it.
"""
from django.db import models

from ..models import CustomerRole, Organization


class SsoProtocol(models.TextChoices):
    SAML = "saml", "SAML 2.0"
    OIDC = "oidc", "OpenID Connect"


class OrganizationSso(models.Model):
    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="sso")
    # The provider id of the SocialApp and the part of every SP URL: it must never change once the
    # customer's IdP knows our URLs, so it is set once (from the account id) and not editable.
    slug = models.SlugField(max_length=64, unique=True, editable=False)
    protocol = models.CharField(max_length=4, choices=SsoProtocol.choices, default=SsoProtocol.SAML)
    enabled = models.BooleanField(default=True, help_text="Off: sign-in through this IdP is refused.")
    sso_required = models.BooleanField(
        "SSO required", default=False,
        help_text="Members may not sign in (or reset a password) with a password: only through the IdP. "
                  "Staff are never affected.")
    email_domains = models.CharField(
        max_length=500, blank=True,
        help_text="Comma-separated, e.g. acme.com, acme.co.uk: “Sign in with SSO” finds the organisation by "
                  "the work email's domain.")
    default_role = models.CharField(max_length=10, choices=CustomerRole.choices, default=CustomerRole.MEMBER,
                                    help_text="Role of a person created at their first SSO sign-in.")
    role_attribute = models.CharField(
        max_length=200, blank=True,
        help_text="IdP attribute (SAML) or claim (OIDC) holding groups, e.g. “groups”. Blank: everyone gets "
                  "the default role.")
    admin_values = models.CharField(
        max_length=500, blank=True,
        help_text="Comma-separated values of that attribute that make a customer admin, e.g. support-admins.")
    update_role_on_login = models.BooleanField(
        default=True, help_text="Set the role from the attribute again at every sign-in (not only the first).")
    # SAML
    idp_metadata_xml = models.TextField("IdP metadata XML", blank=True,
                                        help_text="Paste the IdP's metadata (Okta, Entra ID, Google...).")
    idp_metadata_url = models.URLField("IdP metadata URL", blank=True,
                                       help_text="Or its URL: fetched now to check it, then refreshed every 4 hours.")
    allow_idp_initiated = models.BooleanField(
        "allow IdP-initiated sign-in", default=True,
        help_text="Accept a sign-in started from the IdP's dashboard (an Okta tile). Each assertion is "
                  "accepted once only.")
    # OpenID Connect
    oidc_discovery_url = models.URLField(
        "OIDC discovery URL", blank=True,
        help_text="The issuer's https://…/.well-known/openid-configuration (or the issuer URL).")
    oidc_client_id = models.CharField("OIDC client id", max_length=200, blank=True)
    oidc_client_secret = models.CharField("OIDC client secret", max_length=500, blank=True)
    social_app = models.OneToOneField("socialaccount.SocialApp", null=True, blank=True, editable=False,
                                      on_delete=models.SET_NULL, related_name="organization_sso")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "single sign-on"
        verbose_name_plural = "single sign-on"

    def __str__(self):
        return f"{self.organization.name}: {self.get_protocol_display()}"

    def domains(self) -> list[str]:
        return [d.strip().lower().lstrip("@") for d in self.email_domains.split(",") if d.strip()]

    def admin_value_list(self) -> list[str]:
        return [v.strip() for v in self.admin_values.split(",") if v.strip()]


class SsoAssertion(models.Model):
    """A SAML assertion already used to sign in: python3-saml does not remember them, and an
    IdP-initiated response (no InResponseTo) could otherwise be posted again until it expires."""

    provider_id = models.CharField(max_length=64)
    assertion_id = models.CharField(max_length=256)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["provider_id", "assertion_id"], name="uniq_sso_assertion")]

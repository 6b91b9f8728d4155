"""Writes for single sign-on: the SocialApp behind an organisation's SSO, the people it
provisions, and the assertions already used (docs/security.md, "Single sign-on")."""
from __future__ import annotations

from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

import requests
from allauth.socialaccount.models import SocialApp
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser

from ..models import CustomerRole, User
from .models import OrganizationSso, SsoAssertion, SsoProtocol

# Attribute names IdPs use for the address and names (Okta and Google: short names; Entra ID: the
# claims URIs; ADFS/Shibboleth: the OIDs). The uid is the NameID (allauth's fallback).
SAML_ATTRIBUTE_MAPPING = {
    "email": ["email", "mail", "emailAddress", "urn:oid:0.9.2342.19200300.100.1.3",
              "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"],
    "first_name": ["firstName", "givenName", "given_name", "urn:oid:2.5.4.42",
                   "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname"],
    "last_name": ["lastName", "sn", "surname", "family_name", "urn:oid:2.5.4.4",
                  "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname"],
}
# python3-saml allows this much clock skew; an assertion is remembered a little longer than that.
ASSERTION_MEMORY = timedelta(minutes=10)


def sp_urls(slug: str) -> dict[str, str]:
    """Our SP's URLs for one organisation, on SITE_URL (what the customer enters in their IdP)."""
    base = settings.SITE_URL
    return {
        "entity_id": base + reverse("saml_metadata", kwargs={"organization_slug": slug}),
        "metadata": base + reverse("saml_metadata", kwargs={"organization_slug": slug}),
        "acs": base + reverse("saml_acs", kwargs={"organization_slug": slug}),
        "sls": base + reverse("saml_sls", kwargs={"organization_slug": slug}),
        "oidc_redirect_uri": base + reverse("openid_connect_callback", kwargs={"provider_id": slug}),
        "login": base + reverse("accounts:sso_start") + f"?org={slug}",
    }


def _saml_idp_settings(sso: OrganizationSso) -> dict:
    try:
        if sso.idp_metadata_xml.strip():
            parsed = OneLogin_Saml2_IdPMetadataParser.parse(sso.idp_metadata_xml.strip())
        elif sso.idp_metadata_url:
            parsed = OneLogin_Saml2_IdPMetadataParser.parse_remote(sso.idp_metadata_url, timeout=10)
        else:
            raise ValidationError("SAML needs the IdP's metadata XML or its metadata URL.")
    except ValidationError:
        raise
    except Exception as exc:  # the parser raises bare Exceptions, lxml and urllib errors
        raise ValidationError(f"The IdP metadata could not be read: {exc}") from None
    idp = parsed.get("idp") or {}
    cert = idp.get("x509cert") or next(iter((idp.get("x509certMulti") or {}).get("signing", [])), None)
    sso_url = (idp.get("singleSignOnService") or {}).get("url")
    if not (idp.get("entityId") and cert and sso_url):
        raise ValidationError("The IdP metadata must name an entityID, a signing certificate and a "
                              "SingleSignOnService URL.")
    if sso.idp_metadata_url and not sso.idp_metadata_xml.strip():
        # allauth refetches (and caches for 4 h) so a rotated IdP certificate is picked up.
        return {"metadata_url": sso.idp_metadata_url, "entity_id": idp["entityId"]}
    return {"entity_id": idp["entityId"], "x509cert": cert, "sso_url": sso_url,
            "slo_url": (idp.get("singleLogoutService") or {}).get("url")}


def _check_discovery(url: str) -> None:
    """Reads the issuer's discovery document now, so a wrong URL is the admin form's error and not
    every customer's failed sign-in."""
    if "/.well-known/" not in url:
        url = url.rstrip("/") + "/.well-known/openid-configuration"
    try:
        response = requests.get(url, timeout=10)
        response.raise_for_status()
        config = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise ValidationError(f"The OIDC discovery document could not be read from {url}: {exc}") from None
    missing = [k for k in ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")
               if not isinstance(config, dict) or not config.get(k)]
    if missing:
        raise ValidationError(f"The OIDC discovery document at {url} lacks {', '.join(missing)}.")


def _app_fields(sso: OrganizationSso) -> dict:
    name = sso.organization.name[:40]
    if sso.protocol == SsoProtocol.SAML:
        return {"provider": "saml", "name": name, "client_id": sso.slug, "secret": "", "settings": {
            "idp": _saml_idp_settings(sso),
            "sp": {"entity_id": sp_urls(sso.slug)["entity_id"]},
            "attribute_mapping": SAML_ATTRIBUTE_MAPPING,
            "use_nameid_for_email": False,
            "advanced": {"strict": True, "reject_idp_initiated_sso": not sso.allow_idp_initiated,
                         "want_attribute_statement": False,
                         # An internal host name (http://support/...) is a valid SP URL; python3-saml would
                         # refuse it, and every SAML page then failed.
                         "allow_single_label_domains": True},
        }}
    if not (sso.oidc_discovery_url and sso.oidc_client_id and sso.oidc_client_secret):
        raise ValidationError("OpenID Connect needs the discovery URL, the client id and the client secret.")
    _check_discovery(sso.oidc_discovery_url)
    return {"provider": "openid_connect", "name": name, "client_id": sso.oidc_client_id,
            "secret": sso.oidc_client_secret,
            "settings": {"server_url": sso.oidc_discovery_url, "oauth_pkce_enabled": True}}


def organization_sso_validate(*, sso: OrganizationSso) -> dict:
    """The SocialApp's fields for this configuration; ValidationError if it cannot work (the
    admin form shows it). The slug, once given, never changes: the IdP holds our URLs."""
    if not sso.slug:
        sso.slug = sso.organization.account_id.replace("_", "-")
    return _app_fields(sso)


@transaction.atomic
def organization_sso_save(*, sso: OrganizationSso) -> OrganizationSso:
    """Saves the configuration and its SocialApp; a metadata or field error saves nothing."""
    fields = organization_sso_validate(sso=sso)  # raises ValidationError before anything is written
    app = sso.social_app or SocialApp()
    for name, value in fields.items():
        setattr(app, name, value)
    app.provider_id = sso.slug
    app.save()
    sso.social_app = app
    sso.save()
    return sso


@transaction.atomic
def organization_sso_delete(*, sso: OrganizationSso) -> None:
    app = sso.social_app
    sso.delete()
    if app is not None:
        app.delete()  # its SocialAccounts go with it: nobody signs in through it any more


def saml_assertion_use(*, provider_id: str, assertion_id: str | None, not_on_or_after: int | None) -> bool:
    """Records a SAML assertion as used; False when it was used before (a replay) or has no id."""
    if not assertion_id:
        return False
    now = timezone.now()
    expires = (datetime.fromtimestamp(not_on_or_after, tz=dt_timezone.utc) if not_on_or_after else now)
    SsoAssertion.objects.filter(expires_at__lt=now - ASSERTION_MEMORY).delete()
    try:
        with transaction.atomic():
            SsoAssertion.objects.create(provider_id=provider_id, assertion_id=assertion_id[:256],
                                        expires_at=max(expires, now) + ASSERTION_MEMORY)
    except IntegrityError:
        return False
    return True


def _values(extra_data, name: str) -> list[str]:
    """An attribute's values, from SAML attributes ({name: [values]}) or OIDC claims (userinfo or id_token)."""
    found = []
    for source in (extra_data, extra_data.get("userinfo"), extra_data.get("id_token")):
        if isinstance(source, dict) and name in source:
            value = source[name]
            found += [str(v) for v in (value if isinstance(value, (list, tuple)) else [value])]
    return found


def role_from_attributes(*, sso: OrganizationSso, extra_data: dict) -> str:
    if not sso.role_attribute:
        return sso.default_role
    admin_values = set(sso.admin_value_list())
    if admin_values & set(_values(extra_data or {}, sso.role_attribute)):
        return CustomerRole.ADMIN
    return sso.default_role


def sso_user_role_update(*, user: User, sso: OrganizationSso, extra_data: dict) -> None:
    if not (sso.role_attribute and sso.update_role_on_login):
        return
    role = role_from_attributes(sso=sso, extra_data=extra_data)
    if user.customer_role != role:
        user.customer_role = role
        user.save(update_fields=["customer_role"])

"""Reads for single sign-on: which organisation's IdP a person signs in with, and who must."""
from __future__ import annotations

from ..models import Organization, User
from .models import OrganizationSso


def sso_for_provider(provider_id: str) -> OrganizationSso | None:
    return (OrganizationSso.objects.select_related("organization").filter(slug=provider_id).first()
            if provider_id else None)


def sso_for_login_hint(hint: str) -> OrganizationSso | None:
    """The enabled SSO of the organisation named by a work email (its domain) or an account id.

    By domain only, never by looking the address up among users: the answer must not tell
    whether someone has an account."""
    hint = (hint or "").strip().lower()
    if not hint:
        return None
    enabled = OrganizationSso.objects.select_related("organization").filter(enabled=True, social_app__isnull=False)
    if "@" in hint:
        domain = hint.rpartition("@")[2]
        # Few organisations have SSO: the domains are compared in Python, exactly (no suffix match).
        return next((sso for sso in enabled.filter(email_domains__icontains=domain) if domain in sso.domains()),
                    None)
    return enabled.filter(organization__account_id=hint).first()


def sso_required_for(user: User) -> OrganizationSso | None:
    """The SSO a customer must sign in with instead of a password; None for staff and for
    members of organisations that do not require it."""
    if user is None or user.is_staff or user.is_superuser or not user.organization_id:
        return None
    return OrganizationSso.objects.filter(organization_id=user.organization_id, enabled=True,
                                          sso_required=True).first()


def sso_required_for_email(address: str) -> OrganizationSso | None:
    """By the address's domain only (password reset must not tell who has an account)."""
    sso = sso_for_login_hint(address) if "@" in (address or "") else None
    return sso if sso and sso.sso_required else None


def organization_of(sso: OrganizationSso) -> Organization:
    return sso.organization

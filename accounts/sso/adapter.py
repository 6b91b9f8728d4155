"""allauth's social account adapter, fitted to one IdP per organisation.

The rules (docs/security.md, "Single sign-on"): an IdP signs in only members of its own
organisation; it never signs in staff; an existing account is linked by email only within the
same organisation; a new person is created in that organisation with its default role (or the
role its attribute gives)."""
from __future__ import annotations

from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.providers.base.constants import AuthError, AuthProcess

from ..models import User
from .refusal import refuse
from .selectors import sso_for_provider
from .services import role_from_attributes, sso_user_role_update

REFUSED_OTHER = ("Your identity provider cannot sign in this account. Sign in with your organisation's own "
                 "single sign-on, or ask your administrator.")


def _sso_of(sociallogin):
    return sso_for_provider(sociallogin.account.provider)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def pre_social_login(self, request, sociallogin):
        sso = _sso_of(sociallogin)
        if sso is None or not sso.enabled:
            refuse(request, "Single sign-on is not enabled for this organisation.")
        # Only sign-in: "connect" would attach this IdP's identity to whoever is signed in
        # (another organisation's member, or staff), and let the IdP sign them in later.
        if sociallogin.state.get("process", AuthProcess.LOGIN) != AuthProcess.LOGIN:
            refuse(request, "Single sign-on signs you in; it cannot be linked to another account.")
        if sociallogin.is_existing:
            user = sociallogin.user
        else:
            email = (sociallogin.user.email or "").strip()
            if not email:
                refuse(request, "Your identity provider sent no email address; ask your administrator to "
                                "release the email attribute to Aragora Support.", status=400)
            user = User.objects.filter(email__iexact=email).order_by("pk").first()
        if user is None:
            # A new member: allauth signs them up (populate_user gives organisation and role). Only
            # at the organisation's own domains, when it named them: inbound mail and Slack file a
            # message as whoever holds the sender's address, so an IdP must not claim anyone's.
            domain = email.rpartition("@")[2].lower()
            if sso.domains() and domain not in sso.domains():
                refuse(request, f"{email} is not an address of {sso.organization.name} "
                                f"({', '.join(sso.domains())}); ask your administrator.")
            return
        if user.is_staff or user.is_superuser or user.organization_id != sso.organization_id:
            refuse(request, REFUSED_OTHER)
        if not sociallogin.is_existing:
            sociallogin.connect(request, user)  # same organisation: this IdP signs them in from now on
        sso_user_role_update(user=user, sso=sso, extra_data=sociallogin.account.extra_data)

    def authenticate_by_email(self, sociallogin):
        return None  # pre_social_login links by email, within the organisation only

    def is_open_for_signup(self, request, sociallogin):
        sso = _sso_of(sociallogin)
        return bool(sso and sso.enabled)

    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        sso = _sso_of(sociallogin)
        if sso is not None:
            user.organization = sso.organization
            user.customer_role = role_from_attributes(sso=sso, extra_data=sociallogin.account.extra_data)
            user.is_staff = user.is_superuser = False
        return user

    def on_authentication_error(self, request, provider, error=None, exception=None, extra_context=None):
        # allauth renders its error page with 200; a refused sign-in is a 4xx, saying why.
        if error == AuthError.CANCELLED:
            return
        refuse(request, "Single sign-on failed: the identity provider's answer was not accepted "
                        "(invalid, expired or not for this site). Start again from the sign-in page.",
               status=400 if error != AuthError.DENIED else 403)

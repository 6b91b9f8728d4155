"""Two-factor authentication (django-allauth's allauth.mfa), as this portal wants it.

Who must have a second factor: staff (STAFF_MFA_REQUIRED, default on) and the members of an
organisation with `mfa_required`; anyone else may turn it on for themselves. allauth asks for the
code at sign-in whenever an account has one; what it does not do is make anyone enrol. Here:

- a sign-in through allauth's flow by password (`login_needs_local_second_factor`) of someone who
  must have a factor and has none marks the session (`ENROLMENT_SESSION_KEY`), and
  `EnrolmentMiddleware` confines that session to the enrolment pages until a factor exists;
- the last TOTP/WebAuthn factor of someone who must have one cannot be removed (`MfaAdapter`);
- wrong codes count in django-axes as wrong passwords do (`AxesCountedCodeMixin`): allauth's
  own counter is the `login_failed` rate limit, which settings turn off in favour of axes.

Why only sessions made by allauth's flow are confined, and why that is sound: docs/security.md,
"Two-factor".
"""
from __future__ import annotations

import time

from allauth.account.internal.flows.login import get_authentication_records
from allauth.account.signals import user_logged_in
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.base.forms import AuthenticateForm, ReauthenticateForm
from allauth.mfa.models import Authenticator
from allauth.mfa.stages import AuthenticateStage
from django import forms
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.core.validators import MaxLengthValidator
from django.dispatch import receiver
from django.http import HttpRequest

from .models import User

ENROLMENT_SESSION_KEY = "aragora_mfa_enrolment_required"
# Factors that are a second factor at sign-in (recovery codes are a fallback for these).
SECOND_FACTORS = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)
# A TOTP code is 6 digits and a recovery code 8; anything much longer is not a code.
CODE_MAX_LENGTH = 32


def second_factor_required(user: User) -> bool:
    """Must this person have a second factor? Staff (unless STAFF_MFA_REQUIRED is off), and the
    members of an organisation that requires it."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_staff:
        return settings.STAFF_MFA_REQUIRED
    return bool(user.organization_id and user.organization.mfa_required)


def has_second_factor(user: User) -> bool:
    return Authenticator.objects.filter(user_id=user.pk, type__in=SECOND_FACTORS).exists()


def login_needs_local_second_factor(request: HttpRequest, user: User) -> bool:
    """The hook single sign-on needs: is this sign-in one our own second factor guards?

    Yes when allauth recorded a password among this session's authentications for this user.
    A sign-in through the organisation's IdP (allauth records `socialaccount`) is the IdP's to
    guard with its own second factor, so it is neither asked for our code nor made to enrol."""
    return any(record.get("method") == "password" for record in get_authentication_records(request, user))


def signed_in_recently(request: HttpRequest) -> bool:
    """Did this session's person sign in (password, and the code if they have one) within
    ACCOUNT_REAUTHENTICATION_TIMEOUT? Then enrolling, or changing a factor, does not ask for the
    password again: the sign-in a minute ago is the same proof allauth's re-authentication asks for."""
    from allauth.account import app_settings as account_settings

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    times = [record.get("at") for record in get_authentication_records(request, user)
             if record.get("method") in ("password", "mfa") and isinstance(record.get("at"), (int, float))]
    return bool(times) and time.time() - max(times) < account_settings.REAUTHENTICATION_TIMEOUT


class PasswordLoginAuthenticateStage(AuthenticateStage):
    """allauth's "enter your code" stage, skipped for sign-ins that used no password (SSO)."""

    def _should_handle(self, request: HttpRequest) -> bool:
        if self.login.user is not None and not login_needs_local_second_factor(request, self.login.user):
            return False
        return super()._should_handle(request)


@receiver(user_logged_in, dispatch_uid="accounts.two_factor.mark_enrolment")
def mark_enrolment(sender, request, user, **kwargs):
    """allauth's sign-in finished: a person who must have a factor and has none is confined to
    enrolment for this session (EnrolmentMiddleware)."""
    if (request is not None and login_needs_local_second_factor(request, user)
            and second_factor_required(user) and not has_second_factor(user)):
        request.session[ENROLMENT_SESSION_KEY] = True


def code_is_valid(user: User, code: str) -> bool:
    """Is `code` a current code of this person's authenticator app, or one of their unused recovery
    codes (used up by this call)? What allauth's sign-in form checks, for the token endpoint."""
    if not code or len(code) > CODE_MAX_LENGTH:
        return False
    for authenticator in Authenticator.objects.filter(user_id=user.pk).exclude(type=Authenticator.Type.WEBAUTHN):
        if authenticator.wrap().validate_code(code):  # a TOTP code is refused a second time
            authenticator.record_usage()
            return True
    return False


class MfaAdapter(DefaultMFAAdapter):
    def get_totp_issuer(self) -> str:
        return "Aragora Support"  # what authenticator apps show next to the code

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        """The last second factor of someone who must have one stays (recovery codes go with it)."""
        user = authenticator.user
        if not second_factor_required(user):
            return True
        if authenticator.type not in SECOND_FACTORS:
            return True
        return (Authenticator.objects.filter(user_id=user.pk, type__in=SECOND_FACTORS)
                .exclude(pk=authenticator.pk).exists())


class AxesCountedCodeMixin:
    """A wrong code is a failed sign-in for django-axes (same username + address count as wrong
    passwords), and a locked-out username + address may not try codes either: without it, a
    stolen password gives unlimited guesses at a 6-digit code for as long as the login lasts."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].max_length = CODE_MAX_LENGTH
        self.fields["code"].validators.append(MaxLengthValidator(CODE_MAX_LENGTH))
        self.fields["code"].widget.attrs.update({"maxlength": CODE_MAX_LENGTH, "inputmode": "numeric",
                                                 "autofocus": True})
        self.fields["code"].widget.attrs.pop("placeholder", None)
        self.fields["code"].help_text = "The 6-digit code of your authenticator app, or one of your recovery codes."

    def _credentials(self) -> dict:
        return {"username": self.user.get_username()}

    def clean_code(self):
        from allauth.core import context
        from axes.handlers.proxy import AxesProxyHandler

        from .lockout import lockout_message, retry_after_seconds

        request = context.request
        if AxesProxyHandler.is_locked(request, credentials=self._credentials()):
            raise forms.ValidationError(lockout_message(retry_after_seconds(request, self._credentials())))
        try:
            return super().clean_code()
        except forms.ValidationError:
            user_login_failed.send(sender=type(self), credentials=self._credentials(), request=request)
            raise


class PortalAuthenticateForm(AxesCountedCodeMixin, AuthenticateForm):
    pass


class PortalReauthenticateForm(AxesCountedCodeMixin, ReauthenticateForm):
    pass

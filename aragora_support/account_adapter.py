"""django-allauth, fitted to the portal: no public signup, links built from SITE_URL,
and every account email written to the notifications outbox (retried, visible in the admin)."""
from __future__ import annotations

import hashlib

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site
from django.urls import reverse

from common.client_ip import client_ip

# allauth mails with a template of our own in templates/notifications/; any other (a later
# feature's) goes out as allauth rendered it, through the generic `account_mail` template.
OWN_TEMPLATES = {"account/email/password_reset_key": "password_reset"}


def _portal_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


class AccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request) -> str:
        # allauth's rate limits (ACCOUNT_RATE_LIMITS) key on this. Its stock rule trusts
        # ALLAUTH_TRUSTED_PROXY_COUNT (0 unless set), so behind our proxies every customer would
        # share the proxy's bucket; and a header shorter than that count is a 500. One rule for
        # throttles, lockouts and allauth: NUM_PROXIES (common/client_ip.py).
        return client_ip(request)

    def get_login_stages(self) -> list[str]:
        # allauth's "enter your code" stage, skipped for sign-ins by SSO (the IdP's second factor):
        # accounts.two_factor.login_needs_local_second_factor.
        return ["accounts.two_factor.PasswordLoginAuthenticateStage" if stage == "allauth.mfa.stages.AuthenticateStage"
                else stage for stage in super().get_login_stages()]

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        # allauth asks for the password again before any two-factor change, even right after
        # signing in; one sign-in minutes ago is the same proof (accounts.two_factor.signed_in_recently).
        from allauth.core import context

        from accounts.two_factor import signed_in_recently

        if app == "allauth.mfa" and context.request is not None and signed_in_recently(context.request):
            return False
        return super().is_reauthentication_required(app=app, **kwargs)

    def is_open_for_signup(self, request) -> bool:
        return False  # customers are invited by staff or arrive through their organisation's SSO

    def get_password_change_redirect_url(self, request) -> str:
        return reverse("accounts:profile")

    def get_reset_password_from_key_url(self, key: str) -> str:
        # From the configured address, never the request's Host header (reset-link poisoning).
        path = reverse("account_reset_password_from_key", kwargs={"uidb36": "UID", "key": "KEY"})
        return _portal_url(path.replace("UID-KEY", key))

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        from notifications.services import notification_enqueue

        user = context.get("user")
        template = OWN_TEMPLATES.get(template_prefix)
        if template == "password_reset":
            values = {
                "contact_name": (user.get_full_name() or user.get_username()) if user else "",
                "username": user.get_username() if user else "",
                "reset_url": context["password_reset_url"],
                "valid_hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
                "login_url": _portal_url(reverse("login")),
            }
            # One row per link: a double-clicked "send" is one mail, a new request another.
            event = hashlib.sha256(context["password_reset_url"].encode()).hexdigest()[:24]
        else:
            template = "account_mail"
            message = self.render_mail(template_prefix, email, {
                "email": email, "current_site": get_current_site(self.request), **context})
            values = {"mail_subject": message.subject, "text": message.body}  # allauth's mails are text only
            event = hashlib.sha256(f"{message.subject}\n{message.body}".encode()).hexdigest()[:24]
        notification_enqueue(key=f"account:{template}:{event}:email:{email}"[:255], channel="email",
                             recipient=email, template=template, context=values)

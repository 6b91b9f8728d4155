"""Login lockout (django-axes) as this portal wants it: one key per person whatever they typed,
the client address by the trusted-proxy rule, and a lockout that says how long it lasts.

Wired by settings (AXES_USERNAME_CALLABLE, AXES_CLIENT_IP_CALLABLE, AXES_LOCKOUT_CALLABLE); the
portal login (allauth), the admin login and POST /api/v1/auth/token/ all authenticate through
django.contrib.auth.authenticate(request=...), which is where axes counts and refuses.
"""
from __future__ import annotations

import math
from collections.abc import Mapping

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.utils import timezone

from .models import User


def username_key(request: HttpRequest, credentials: Mapping | None = None) -> str | None:
    """The person a login attempt names: case-folded, and an email address read as the
    username it belongs to, so "Alice", "alice" and alice@example.com share one count."""
    source = credentials or {}
    login = source.get("username") or source.get("email")
    if login is None:
        data = getattr(request, "data", None)
        data = data if isinstance(data, Mapping) else request.POST
        login = data.get("username") or data.get("login")
    if not isinstance(login, str) or not login.strip():
        return None
    login = login.strip().lower()[:255]
    if "@" in login:
        owners = list(User.objects.filter(email__iexact=login).values_list("username", flat=True)[:2])
        if len(owners) == 1:
            return owners[0].lower()
    return login


def retry_after_seconds(request: HttpRequest, credentials: Mapping | None = None) -> int:
    """Seconds until this username + address may try again: the cool-off from the last failure."""
    cool_off = get_cool_off(request)
    last = AccessAttempt.objects.filter(
        username=username_key(request, credentials), ip_address=getattr(request, "axes_ip_address", None),
    ).aggregate(last=Max("attempt_time"))["last"]
    if last is None:
        return math.ceil(cool_off.total_seconds())
    return max(1, math.ceil((last + cool_off - timezone.now()).total_seconds()))


def lockout_message(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return (f"Too many failed sign-in attempts for this username from your address. Try again in "
            f"{minutes} minute{'s' if minutes != 1 else ''}, or reset your password. Aragora support can "
            f"unlock the account sooner.")


def lockout_response(request: HttpRequest, original_response=None, credentials: Mapping | None = None) -> HttpResponse:
    seconds = retry_after_seconds(request, credentials)
    message = lockout_message(seconds)
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message, "retry_after": seconds}, status=429)
    else:
        response = TemplateResponse(request, "account/lockout.html", {"message": message, "seconds": seconds},
                                    status=429).render()
    response["Retry-After"] = str(seconds)
    return response

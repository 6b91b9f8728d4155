import zoneinfo

from django.utils import timezone

# Set by a line of script on every page (templates/base.html, admin/base_site.html) from the
# browser's own zone, so a viewer who chose none sees their local time from the second page on.
BROWSER_ZONE_COOKIE = "tz"


def _zone(name: str | None):
    if not name:
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def viewer_zone(request):
    """The zone times are shown in: the viewer's own setting, else their browser's, else their
    organisation's tier zone (Pro: Pacific), else UTC (None)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return _zone(request.COOKIES.get(BROWSER_ZONE_COOKIE))
    chosen = _zone(getattr(user, "timezone", "")) or _zone(request.COOKIES.get(BROWSER_ZONE_COOKIE))
    if chosen is None and getattr(user, "organization_id", None):
        from .models import Tier

        chosen = _zone(Tier.objects.filter(organizations__id=user.organization_id)
                       .values_list("calendar_timezone", flat=True).first())
    return chosen


class ViewerTimezoneMiddleware:
    """Show every time in the viewer's own zone (times are stored in UTC).

    The API always speaks UTC, whoever calls it: clients convert, and one ticket has one form.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        zone = None if request.path.startswith("/api/") else viewer_zone(request)
        if zone is not None:
            timezone.activate(zone)
        else:
            timezone.deactivate()
        return self.get_response(request)


class EnrolmentMiddleware:
    """A session that signed in without the second factor it must have (accounts/two_factor.py
    marks it at sign-in) reaches only the enrolment pages until a factor exists: the portal and
    the admin redirect to "Activate authenticator app", the API answers 403.

    Unmarked sessions cost nothing here (no query): the mark is set only at sign-in."""

    # allauth's enrolment pages, what they may ask on the way (re-enter the password after
    # ACCOUNT_REAUTHENTICATION_TIMEOUT), and the way out.
    ALLOWED_URL_NAMES = frozenset({
        "mfa_index", "mfa_activate_totp", "mfa_add_webauthn", "mfa_view_recovery_codes",
        "mfa_download_recovery_codes", "mfa_generate_recovery_codes", "account_reauthenticate",
        "mfa_reauthenticate", "logout", "account_logout", "healthz", "readyz",
    })

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from .two_factor import ENROLMENT_SESSION_KEY

        session = getattr(request, "session", None)
        if session is None or not session.get(ENROLMENT_SESSION_KEY):
            return self.get_response(request)
        response = self._confine(request, session, ENROLMENT_SESSION_KEY)
        return response if response is not None else self.get_response(request)

    def _confine(self, request, session, key):
        from django.http import JsonResponse
        from django.shortcuts import redirect
        from django.urls import Resolver404, resolve

        from .two_factor import has_second_factor

        user = request.user
        if not user.is_authenticated or has_second_factor(user):
            session.pop(key, None)  # enrolled (or signed out): the session is free
            return None
        try:
            name = resolve(request.path_info).url_name
        except Resolver404:
            name = None
        if name in self.ALLOWED_URL_NAMES:
            return None
        message = "Two-factor authentication is required for your account: set up an authenticator app first."
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message, "enrol_url": "/accounts/2fa/totp/activate/"}, status=403)
        from django.contrib import messages as flash

        if request.method == "GET":
            flash.info(request, message)
        return redirect("mfa_activate_totp")

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

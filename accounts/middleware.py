import zoneinfo

from django.utils import timezone


class ViewerTimezoneMiddleware:
    """Show every time in the signed-in viewer's own zone (times are stored in UTC)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        tz_name = getattr(request.user, "timezone", None) if hasattr(request, "user") else None
        if tz_name:
            try:
                timezone.activate(zoneinfo.ZoneInfo(tz_name))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        return self.get_response(request)

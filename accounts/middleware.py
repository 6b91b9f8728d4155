import zoneinfo

from django.utils import timezone


class ViewerTimezoneMiddleware:
    """Show every time in the signed-in viewer's own zone (times are stored in UTC).

    The API always speaks UTC, whoever calls it: clients convert, and one ticket has one form.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        tz_name = None
        if hasattr(request, "user") and not request.path.startswith("/api/"):
            tz_name = getattr(request.user, "timezone", None)
        if tz_name:
            try:
                timezone.activate(zoneinfo.ZoneInfo(tz_name))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        return self.get_response(request)

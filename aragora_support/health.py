from django.db import connection
from django.http import JsonResponse
from django.views.decorators.http import require_GET

from accounts.models import Heartbeat


@require_GET
def healthz(request):
    """Database reachable, and when the Celery worker last ran beat's heartbeat task."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    beats = {name: seen.isoformat() for name, seen in Heartbeat.objects.values_list("name", "seen_at")}
    return JsonResponse({"database": "ok", "heartbeats": beats})


@require_GET
def trivial(request):
    """The baseline for bench/api_tickets.py: the same server and middleware, no work."""
    return JsonResponse({"ok": True})

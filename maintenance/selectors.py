from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from .models import MaintenanceStatus, MaintenanceWindow

PORTAL_HORIZON = timedelta(days=14)


def maintenance_upcoming_for(organization, *, now=None) -> list[MaintenanceWindow]:
    """Announced windows that concern this organisation, from now (or in progress) to two weeks ahead."""
    now = now or timezone.now()
    return list(
        MaintenanceWindow.objects.filter(status=MaintenanceStatus.SCHEDULED, announced_revision__gt=0,
                                         ends_at__gt=now, starts_at__lte=now + PORTAL_HORIZON)
        .filter(Q(organizations=None) | Q(organizations=organization)).distinct().order_by("starts_at")[:5]
    )


def dashboard_panel(request, *, organization, now, **_page) -> dict | None:
    """The dashboard's planned-maintenance block (tickets.panels), when there is any."""
    windows = maintenance_upcoming_for(organization, now=now)
    return {"windows": windows} if windows else None

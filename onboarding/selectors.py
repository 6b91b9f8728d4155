"""Reads for the portal, scoped to the viewer: a customer sees their own organisation's plan,
meetings and requests; anything else is a 404 (never a 403), as for tickets."""
from __future__ import annotations

from datetime import timedelta

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.scoping import visible_to

from .models import (
    FINISHED_ACTIVITY, CalendarFeed, CheckIn, CheckInStatus, EngagementRequest, EngagementStep, IncludedService,
    OnboardingPlan, PlanActivity, ServiceOffering, TicketScope,
)


def plan_for(organization) -> OnboardingPlan | None:
    return (OnboardingPlan.objects.filter(organization=organization)
            .prefetch_related(Prefetch("activities", PlanActivity.objects.select_related("owner").order_by("order")))
            .first())


def plan_phases(plan: OnboardingPlan, today=None) -> list[dict]:
    """Activities grouped by phase, each with its day numbers as the guide counts them."""
    today = today or timezone.localdate()
    phases: list[dict] = []
    for activity in plan.activities.all():
        if not phases or phases[-1]["name"] != activity.phase:
            phases.append({"name": activity.phase, "activities": []})
        template_first = activity.start_offset - activity.phase_first_day + 2
        activity.day_label = (f"Day {template_first}" if activity.duration_days == 1
                              else f"Days {template_first}–{template_first + activity.duration_days - 1}")
        activity.overdue = activity.is_overdue(today)
        phases[-1]["activities"].append(activity)
    return phases


def plan_progress(plan: OnboardingPlan) -> dict:
    activities = list(plan.activities.all())
    finished = sum(a.status in FINISHED_ACTIVITY for a in activities)
    return {"finished": finished, "total": len(activities),
            "percent": round(100 * finished / len(activities)) if activities else 0}


def upcoming_checkins(organization, limit: int = 6) -> QuerySet[CheckIn]:
    return (CheckIn.objects.filter(organization=organization, status=CheckInStatus.SCHEDULED,
                                   starts_at__gte=timezone.now() - timedelta(hours=2))
            .select_related("owner").order_by("starts_at")[:limit])


def included_services_for(organization) -> QuerySet[IncludedService]:
    return IncludedService.objects.filter(organization=organization).order_by("kind")


def feed_for(organization) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(organization=organization).first()


def offerings() -> QuerySet[ServiceOffering]:
    return ServiceOffering.objects.filter(is_active=True)


def engagements_visible_to(user) -> QuerySet[EngagementRequest]:
    """Staff see every request; a customer admin their organisation's; a member their own."""
    qs = EngagementRequest.objects.select_related("offering", "requested_by", "account_manager", "organization")
    return visible_to(user, qs, owner_field="requested_by")


def engagement_get_for(user, pk) -> EngagementRequest:
    try:
        return engagements_visible_to(user).prefetch_related(
            Prefetch("steps", EngagementStep.objects.select_related("actor"))).get(pk=pk)
    except (EngagementRequest.DoesNotExist, ValueError, TypeError):
        raise Http404("No such request.")


def feed_by_secret(secret: str) -> CalendarFeed:
    """The feed whose secret this is; 404 for anything else, with no hint whether a feed exists."""
    feed = (CalendarFeed.objects.select_related("organization", "account_manager")
            .filter(secret=secret).first() if secret and len(secret) <= 64 else None)
    if feed is None:
        raise Http404("No such calendar.")
    return feed


def out_of_scope_panel(request, *, ticket, **_page) -> dict | None:
    """The ticket page's out-of-scope block (tickets.panels): why, and what the customer may do
    instead: the services request made from it, or whether the organisation may make one."""
    from .services import is_enterprise

    scope = (TicketScope.objects.select_related("category__suggested_offering")
             .filter(ticket_id=ticket.pk, category__in_scope=False).first())
    if scope is None:
        return None
    return {
        "category": scope.category,
        "engagement": EngagementRequest.objects.filter(source_ticket_id=ticket.pk).only("pk", "status").first(),
        "enterprise": is_enterprise(ticket.organization),
    }

"""Reads of feedback data, scoped to the viewer: the portal panels, a customer's feature
requests, an account manager's answers."""
from __future__ import annotations

from django.db.models import Max, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from accounts.roles import ACCOUNT_MANAGER

from . import links
from .models import FeatureRequest, NpsSurvey, TicketRating

STOPPED = ("resolved", "closed")


def latest_rating(ticket) -> TicketRating | None:
    return TicketRating.objects.filter(ticket=ticket).order_by("-round").first()


def ticket_rating_panel(request, *, ticket, **_):
    """"How did we do?" on a resolved ticket's page, for its requester, while the round is open;
    the rating given, if any. Nothing for anyone else."""
    if ticket.status not in STOPPED or request.user.pk != ticket.requester_id:
        return None
    rating = latest_rating(ticket)
    if rating is None:
        return None
    is_open = timezone.now() < rating.expires_at
    if rating.score is None and not is_open:
        return None
    return {"rating": rating, "open": is_open, "change_url": links.rating_url(rating, absolute=False), "scores": [
        {"score": s, "url": links.rating_url(rating, s, absolute=False)} for s in range(1, 6)]}


def pending_ratings_for(user, *, now=None, limit: int = 5) -> list[TicketRating]:
    """The viewer's own resolved tickets waiting for a rating (latest round, link still open)."""
    now = now or timezone.now()
    latest_round = Subquery(TicketRating.objects.filter(ticket_id=OuterRef("ticket_id"))
                            .values("ticket_id").annotate(n=Max("round")).values("n")[:1])
    return list(TicketRating.objects.filter(requester=user, score__isnull=True, expires_at__gt=now,
                                            ticket__status__in=STOPPED, round=latest_round)
                .select_related("ticket").order_by("-requested_at")[:limit])


def dashboard_ratings_panel(request, **_):
    if not request.user.is_authenticated or request.user.is_staff:
        return None
    pending = pending_ratings_for(request.user)
    if not pending:
        return None
    return {"ratings": [{"rating": r, "url": links.rating_url(r, absolute=False)} for r in pending]}


def feature_requests_visible_to(user) -> QuerySet[FeatureRequest]:
    """Staff: all; a customer (admin or member): their organisation's, so everyone sees where
    the requests their colleagues made stand."""
    if user.is_authenticated and user.is_staff:
        return FeatureRequest.objects.all()
    if not user.is_authenticated or not getattr(user, "organization_id", None):
        return FeatureRequest.objects.none()
    return FeatureRequest.objects.filter(organization_id=user.organization_id)


def staff_answers_q(user, organization_field: str = "organization") -> Q:
    """Rows of feedback an account manager sees: their own organisations'. Other staff see all
    (engineering looks at every customer's ratings; the account manager at their customers')."""
    if user.is_superuser or not user.groups.filter(name=ACCOUNT_MANAGER).exists():
        return Q()
    return Q(**{f"{organization_field}__account_manager_id": user.pk})


def nps_answers_for(user) -> QuerySet[NpsSurvey]:
    return NpsSurvey.objects.filter(staff_answers_q(user))

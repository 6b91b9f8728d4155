"""Ticket ratings (CSAT): asked for at each resolution, answered through a signed link.

Guide, "Feedback and Improvement": support ticket ratings after each ticket closure. A rating
of 1-2 tells the engineering leads (the guide's level above the engineer who had the ticket;
accounts.roles.ENGINEERING_LEAD, there are no teams to narrow it to) and flags the ticket in
the staff queue.
"""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from accounts.roles import ENGINEERING_LEAD
from notifications.services import notification_enqueue, notification_enqueue_many, ticket_context

from .. import figures, links
from ..models import TicketRating
from ._common import clean_comment, clean_score


def csat_request(*, ticket, now=None) -> TicketRating:
    """Open a new rating round for a ticket just resolved and mail its requester. Called by the
    ticket-event subscriber inside the resolution's transaction, so the mail commits with it."""
    now = now or timezone.now()
    last_round = TicketRating.objects.filter(ticket=ticket).aggregate(n=Max("round"))["n"] or 0
    rating = TicketRating.objects.create(
        ticket=ticket, round=last_round + 1, requester_id=ticket.requester_id,
        organization_id=ticket.organization_id, tier_id=ticket.organization.tier_id,
        assignee_id=ticket.assignee_id, requested_at=now, expires_at=now + links.RATING_MAX_AGE)
    email = ticket.requester.email
    if email:
        notification_enqueue(
            key=f"csat_request:{rating.pk}:email:{email}", channel="email", recipient=email,
            template="csat_request", ticket=ticket,
            context=ticket_context(
                ticket, audience="customer", contact_name=ticket.requester.get_full_name(),
                round=rating.round, expires_at=rating.expires_at,
                rate_urls=[{"score": s, "url": links.rating_url(rating, s)} for s in figures.CSAT_SCORES]))
    return rating


def rating_refusal(rating: TicketRating, *, now=None) -> str | None:
    """Why this rating cannot be given or changed now, or None."""
    now = now or timezone.now()
    if now >= rating.expires_at:
        return "This rating link has expired: ratings are open for 14 days after a ticket is resolved."
    if TicketRating.objects.filter(ticket_id=rating.ticket_id, round__gt=rating.round).exists():
        return "This ticket was resolved again since; please rate it from the newer email or the portal."
    return None


@transaction.atomic
def csat_record(*, rating: TicketRating, score, comment: str = "", now=None) -> TicketRating:
    """Record (or change) the answer of a rating round. Refused after the link's 14 days."""
    now = now or timezone.now()
    score = clean_score(score, low=1, high=5)
    comment = clean_comment(comment)
    rating = TicketRating.objects.select_for_update().select_related("ticket__organization__tier").get(pk=rating.pk)
    refusal = rating_refusal(rating, now=now)
    if refusal:
        raise ValidationError(refusal)
    if rating.score is not None and (rating.score, rating.comment) != (score, comment):
        rating.changes += 1
    rating.score, rating.comment, rating.rated_at = score, comment, now
    rating.save(update_fields=["score", "comment", "rated_at", "changes"])
    if figures.is_low_csat(score):
        _tell_leads(rating)
    return rating


def engineering_leads():
    return (get_user_model().objects.filter(is_staff=True, is_active=True, groups__name=ENGINEERING_LEAD)
            .exclude(email="").order_by("pk"))


def _tell_leads(rating: TicketRating) -> None:
    # Keyed by the rating round: a low rating changed to another low one is told once.
    ticket = rating.ticket
    assignee = rating.assignee
    context = ticket_context(ticket, score=rating.score, comment=rating.comment, round=rating.round,
                             assignee=(assignee.get_full_name() or assignee.get_username()) if assignee else "")
    notification_enqueue_many([
        {"key": f"csat_low:{rating.pk}:email:{lead.email}", "channel": "email", "recipient": lead.email,
         "template": "csat_low", "context": context, "ticket_id": ticket.pk}
        for lead in engineering_leads()])

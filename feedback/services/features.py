"""Feature requests (guide: "Feature requests: Via support ticket or account manager"): filed by
customers in the portal, or converted by staff from a ticket; QBR decks list them."""
from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from accounts.roles import require_staff
from tickets.services import ticket_log_change

from ..models import FeatureRequest, FeatureStatus


def _clean(title, description) -> tuple[str, str]:
    title, description = (title or "").strip(), (description or "").strip()
    errors = {}
    if not title:
        errors["title"] = "Give the request a short title."
    elif len(title) > 200:
        errors["title"] = "At most 200 characters."
    if not description:
        errors["description"] = "Describe what you need and why it matters to you."
    if errors:
        raise ValidationError(errors)
    return title, description


@transaction.atomic
def feature_request_create(*, organization, requested_by, title: str, description: str) -> FeatureRequest:
    title, description = _clean(title, description)
    if not requested_by.is_staff and requested_by.organization_id != organization.pk:
        raise PermissionDenied("You can file requests for your own organisation only.")
    return FeatureRequest.objects.create(organization=organization, requested_by=requested_by, title=title,
                                         description=description)


@transaction.atomic
def feature_request_from_ticket(*, ticket, actor) -> FeatureRequest:
    """A ticket that asks for something the product does not do becomes a feature request of its
    organisation, in its requester's name; the ticket's history says so."""
    require_staff(actor)
    existing = FeatureRequest.objects.filter(source_ticket=ticket).first()
    if existing:
        raise ValidationError(f"Ticket #{ticket.pk} is already feature request FR-{existing.pk}.")
    title, description = _clean(ticket.subject, ticket.description)
    try:
        with transaction.atomic():
            request = FeatureRequest.objects.create(
                organization_id=ticket.organization_id, requested_by_id=ticket.requester_id, title=title,
                description=description, source_ticket=ticket)
    except IntegrityError:
        raise ValidationError(f"Ticket #{ticket.pk} was just converted by someone else.")
    ticket_log_change(ticket=ticket, actor=actor, changes={"feature_request": [None, f"FR-{request.pk}"]})
    return request


@transaction.atomic
def feature_request_update(*, feature_request: FeatureRequest, actor, status: str | None = None,
                           public_note: str | None = None) -> FeatureRequest:
    require_staff(actor)
    request = FeatureRequest.objects.select_for_update().get(pk=feature_request.pk)
    if status is not None:
        if status not in FeatureStatus.values:
            raise ValidationError({"status": f"Unknown status {status!r}; one of {', '.join(FeatureStatus.values)}."})
        request.status = status
    if public_note is not None:
        request.public_note = public_note.strip()
    request.save()
    return request

"""Professional-services requests (guide: "Professional Services") and the support-boundary
flow that can start one (guide: "Support Boundaries")."""
from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import Tier
from accounts.roles import require_staff
from common.links import absolute_url
from notifications.services import notification_enqueue, notification_enqueue_many, ticket_context

from ..models import (
    EngagementRequest, EngagementStatus, EngagementStep, ScopeCategory, ServiceOffering, TicketScope,
)

logger = logging.getLogger(__name__)
S = EngagementStatus

# The one order the guide's "scoping and pricing" takes; a proposal can go back to scoping when
# the customer asks for changes. Anything else (scoping -> accepted) skips a step and is refused.
ALLOWED_ENGAGEMENT_MOVES: dict[str, set[str]] = {
    S.SCOPING: {S.PROPOSAL, S.DECLINED},
    S.PROPOSAL: {S.ACCEPTED, S.DECLINED, S.SCOPING},
    S.ACCEPTED: {S.IN_PROGRESS},
    S.IN_PROGRESS: {S.DELIVERED},
    S.DELIVERED: set(),
    S.DECLINED: set(),
}
# What the customer's admins may do themselves: answer a proposal.
CUSTOMER_MOVES = {(S.PROPOSAL, S.ACCEPTED), (S.PROPOSAL, S.DECLINED)}
NEXT_STEP = {S.SCOPING: S.PROPOSAL, S.PROPOSAL: S.ACCEPTED, S.ACCEPTED: S.IN_PROGRESS, S.IN_PROGRESS: S.DELIVERED}


def is_enterprise(organization) -> bool:
    return organization.tier.code == Tier.ENTERPRISE


def not_enterprise_reason(organization) -> str:
    return (f"Professional services are available to Enterprise customers; {organization.name} is on "
            f"{organization.tier.name}. Talk to sales@aragora.ai about Enterprise.")


def _notify(engagement: EngagementRequest, step: EngagementStep) -> None:
    """The customer sees each step (requester, by email); a new request reaches the account manager."""
    context = {
        "engagement_id": engagement.pk, "offering": engagement.offering.name, "summary": engagement.summary,
        "organization": engagement.organization.name, "account_id": engagement.organization.account_id,
        "status": engagement.status, "status_label": engagement.get_status_display(), "note": step.note,
        "estimate": engagement.estimate, "price": f"{engagement.price:,.2f}" if engagement.price is not None else "",
        "currency": engagement.currency,
        "start_date": engagement.start_date.isoformat() if engagement.start_date else "",
        "end_date": engagement.end_date.isoformat() if engagement.end_date else "",
        "portal_url": absolute_url("onboarding:engagement", engagement.pk),
        "admin_url": absolute_url("admin:onboarding_engagementrequest_change", engagement.pk),
    }
    specs = []
    requester = engagement.requested_by
    # Not for their own answer to a proposal (they know); yes for the receipt of their request.
    own_answer = step.actor_id == requester.pk and engagement.status != S.SCOPING
    if requester.email and not requester.is_staff and not own_answer:
        specs.append({"key": f"engagement:{engagement.pk}:{step.pk}:email:{requester.email}", "channel": "email",
                      "recipient": requester.email, "template": "engagement_update",
                      "context": {**context, "audience": "customer", "contact_name": requester.first_name}})
    manager = engagement.account_manager
    if manager and manager.email and step.actor_id != manager.pk:
        specs.append({"key": f"engagement:{engagement.pk}:{step.pk}:email:{manager.email}", "channel": "email",
                      "recipient": manager.email, "template": "engagement_update",
                      "context": {**context, "audience": "staff", "contact_name": manager.first_name}})
    notification_enqueue_many(specs)


def _step(engagement: EngagementRequest, actor, note: str = "") -> EngagementStep:
    step = EngagementStep.objects.create(engagement=engagement, status=engagement.status, actor=actor, note=note)
    _notify(engagement, step)
    return step


@transaction.atomic
def engagement_request_create(*, organization, requester, offering: ServiceOffering, summary: str, details: str,
                              source_ticket=None) -> EngagementRequest:
    """An Enterprise customer asks for an engagement; it starts in scoping with their account manager."""
    if not requester.is_staff and requester.organization_id != organization.pk:
        raise PermissionDenied("You can only request services for your own organisation.")
    if not is_enterprise(organization):
        raise ValidationError(not_enterprise_reason(organization))
    errors = {}
    if offering is None or not offering.is_active:
        errors["offering"] = "Choose a service from the catalogue."
    if not summary or not summary.strip():
        errors["summary"] = "Give the request a short title."
    if not details or not details.strip():
        errors["details"] = "Describe what you need, so we can scope it."
    if errors:
        raise ValidationError(errors)
    engagement = EngagementRequest.objects.create(
        organization=organization, offering=offering, requested_by=requester, summary=summary.strip()[:200],
        details=details.strip(), source_ticket=source_ticket, account_manager=organization.account_manager)
    _step(engagement, requester, note="Request received; your account manager will scope it with you.")
    logger.info("onboarding: PS-%s %s requested by %s for %s", engagement.pk, offering.code, requester,
                organization.name)
    return engagement


def _clean_proposal(estimate, price, start_date, end_date) -> dict:
    errors = {}
    if not estimate or not str(estimate).strip():
        errors["estimate"] = "A proposal needs an estimate of the effort."
    try:
        price = Decimal(str(price)) if price not in (None, "") else None
    except InvalidOperation:
        price = None
        errors["price"] = "The price is a number, e.g. 12000.00."
    if price is None or price <= 0:
        errors.setdefault("price", "A proposal needs a price above zero.")
    if not isinstance(start_date, date):
        errors["start_date"] = "A proposal needs a start date."
    elif start_date < timezone.localdate():
        errors["start_date"] = f"The start date {start_date:%-d %b %Y} is in the past."
    if not isinstance(end_date, date):
        errors["end_date"] = "A proposal needs an end date."
    elif isinstance(start_date, date) and end_date < start_date:
        errors["end_date"] = "The end date is before the start date."
    if errors:
        raise ValidationError(errors)
    return {"estimate": str(estimate).strip(), "price": price, "start_date": start_date, "end_date": end_date}


def check_engagement_move(engagement: EngagementRequest, to_status: str, actor) -> None:
    """Raise ValidationError / PermissionDenied if `actor` may not move it to `to_status`."""
    if to_status not in S.values:
        raise ValidationError({"status": f"Unknown step {to_status!r}."})
    current = engagement.status
    if to_status not in ALLOWED_ENGAGEMENT_MOVES[current]:
        if not ALLOWED_ENGAGEMENT_MOVES[current]:
            raise ValidationError(f"This request is {S(current).label.lower()}; it does not move any more.")
        following = NEXT_STEP.get(current)
        raise ValidationError(f"A request in {S(current).label.lower()} cannot become {S(to_status).label.lower()}"
                              + (f"; the next step is {S(following).label.lower()}." if following else "."))
    if actor.is_staff:
        return
    if (actor.organization_id != engagement.organization_id or not actor.is_customer_admin
            or (current, to_status) not in CUSTOMER_MOVES):
        raise PermissionDenied("Your account manager moves this request; you can accept or decline a proposal.")


@transaction.atomic
def engagement_advance(*, engagement: EngagementRequest, actor, to_status: str, note: str = "", estimate=None,
                       price=None, start_date=None, end_date=None) -> EngagementRequest:
    """Move a request one step: scoping -> proposal (estimate, price, dates) -> accepted ->
    in progress -> delivered, or declined while it is scoped or proposed."""
    engagement = EngagementRequest.objects.select_for_update(of=("self",)).select_related(
        "organization", "offering", "requested_by", "account_manager").get(pk=engagement.pk)
    check_engagement_move(engagement, to_status, actor)
    fields = ["status", "updated_at"]
    if to_status == S.PROPOSAL:
        proposal = _clean_proposal(estimate, price, start_date, end_date)
        for field, value in proposal.items():
            setattr(engagement, field, value)
        fields += list(proposal)
    if to_status == S.DECLINED:
        engagement.decline_reason = note.strip()
        fields.append("decline_reason")
    if actor.is_staff and engagement.account_manager_id is None:
        engagement.account_manager = actor
        fields.append("account_manager")
    old = engagement.status
    engagement.status = to_status
    engagement.save(update_fields=fields)
    _step(engagement, actor, note=note.strip())
    logger.info("onboarding: PS-%s %s -> %s by %s", engagement.pk, old, to_status, actor)
    return engagement


@transaction.atomic
def engagement_request_from_ticket(*, ticket, requester) -> EngagementRequest:
    """The one-click offer on an out-of-scope ticket: a request carrying the ticket's context.
    Asking twice returns the first request."""
    from tickets.models import Ticket

    ticket = Ticket.objects.select_for_update(of=("self",)).select_related("organization__tier").get(pk=ticket.pk)
    existing = EngagementRequest.objects.filter(source_ticket=ticket).first()
    if existing:
        return existing
    scope = TicketScope.objects.select_related("category__suggested_offering").filter(ticket=ticket).first()
    category = scope.category if scope else None
    if category is None or category.in_scope:
        raise ValidationError("Only a ticket we marked out of scope can become a professional-services request.")
    offering = (category.suggested_offering if category.suggested_offering and category.suggested_offering.is_active
                else ServiceOffering.objects.filter(is_active=True).first())
    details = "\n\n".join(part for part in [
        f"Raised from support ticket #{ticket.pk} ({category.name}, outside the support scope).",
        ticket.description,
        f"Business impact: {ticket.business_impact}" if ticket.business_impact else "",
        f"Already tried: {ticket.already_tried}" if ticket.already_tried else "",
    ] if part)
    return engagement_request_create(organization=ticket.organization, requester=requester, offering=offering,
                                     summary=f"From ticket #{ticket.pk}: {ticket.subject}"[:200], details=details,
                                     source_ticket=ticket)


# --- support boundaries --------------------------------------------------------------------------

def _boundary_context(ticket, category: ScopeCategory, note: str = "") -> dict:
    enterprise = is_enterprise(ticket.organization)
    return {
        "ticket": ticket, "category": category, "note": note.strip(), "enterprise": enterprise,
        "offering": category.suggested_offering, "requester": ticket.requester,
        "in_scope": list(ScopeCategory.objects.filter(in_scope=True).values_list("name", flat=True)),
        "ticket_url": absolute_url("portal:ticket", ticket.pk),
        "services_url": absolute_url("onboarding:services"),
    }


def out_of_scope_reply(*, ticket, category: ScopeCategory, note: str = "") -> str:
    """The courteous public reply (templates/onboarding/out_of_scope_reply.txt)."""
    return render_to_string("onboarding/out_of_scope_reply.txt", _boundary_context(ticket, category, note)).strip()


def out_of_scope_notify(*, ticket, category: ScopeCategory, message) -> None:
    """Email the requester the explanation, unless the reply itself was mailed to them already
    (public staff replies are mailed by tickets.services when that is wired): one email, not two."""
    from notifications.models import Notification

    requester = ticket.requester
    if not requester.email or Notification.objects.filter(key__startswith=f"reply:{message.pk}:").exists():
        return
    context = _boundary_context(ticket, category)
    notification_enqueue(
        key=f"out_of_scope:{ticket.pk}:{category.code}:email:{requester.email}", channel="email",
        recipient=requester.email, template="out_of_scope", ticket=ticket,
        context=ticket_context(ticket, audience="customer", contact_name=requester.first_name,
                               category=category.name, explanation=category.explanation, reply=message.body,
                               enterprise=context["enterprise"],
                               offering=category.suggested_offering.name if category.suggested_offering else ""),
    )


@transaction.atomic
def ticket_mark_out_of_scope(*, ticket, actor, category, note: str = ""):
    """Staff decide a ticket is outside the guide's support boundaries (ScopeCategory).

    The customer gets the courteous explanation as a public reply (rendered from a template; it
    also stops the response clock) and by email, and the ticket is resolved: a reply from them
    reopens it as usual. Enterprise customers are offered a professional-services request.
    """
    from tickets import services as ticket_services
    from tickets.models import OPEN_STATUSES, Status, Ticket

    require_staff(actor)
    if category is None or category.in_scope:
        raise ValidationError({"category": "Choose one of the out-of-scope categories."})
    ticket = Ticket.objects.select_for_update(of=("self",)).select_related(
        "organization__tier", "requester").get(pk=ticket.pk)
    if ticket.status == Status.CLOSED:
        raise ValidationError("This ticket is closed; it takes no more replies.")
    scope = TicketScope.objects.select_related("category").filter(ticket=ticket).first()
    if scope and scope.category_id == category.pk:
        raise ValidationError(f"This ticket is already marked out of scope ({category.name}).")
    old = scope.category.code if scope else None
    TicketScope.objects.update_or_create(ticket=ticket, defaults={
        "category": category, "marked_at": timezone.now(), "marked_by": actor})
    ticket_services.ticket_log_change(ticket=ticket, actor=actor, changes={"scope_category": [old, category.code]},
                                      note=note)
    message = ticket_services.message_create(ticket=ticket, author=actor,
                                             body=out_of_scope_reply(ticket=ticket, category=category, note=note))
    out_of_scope_notify(ticket=ticket, category=category, message=message)
    ticket = Ticket.objects.get(pk=ticket.pk)
    if ticket.status in OPEN_STATUSES:
        ticket = ticket_services.ticket_set_status(ticket=ticket, actor=actor, status=Status.RESOLVED)
    return ticket

"""Template helpers for pages outside the onboarding app (the ticket page's out-of-scope block)."""
from django import template

from ..models import EngagementRequest
from ..services import is_enterprise

register = template.Library()


@register.simple_tag
def out_of_scope_offer(ticket):
    """What the customer's ticket page offers for an out-of-scope ticket: the request made from it
    (if any) and whether the organisation may make one (Enterprise)."""
    return {
        "engagement": EngagementRequest.objects.filter(source_ticket_id=ticket.pk).only("pk", "status").first(),
        "enterprise": is_enterprise(ticket.organization),
    }

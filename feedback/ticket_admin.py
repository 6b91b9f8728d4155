"""What feedback adds to the ticket queue (tickets.admin's hooks; the core knows none of it): a
"CSAT" filter that brings low ratings to the queue, the ticket's ratings by resolution round,
and "Convert to feature request"."""
from django.contrib import admin
from django.db.models import Exists, OuterRef, Subquery

from common.admin_actions import run_each
from tickets.admin import add_ticket_actions, add_ticket_inline, add_ticket_list_filter

from .models import TicketRating
from .services import feature_request_from_ticket


class CsatFilter(admin.SimpleListFilter):
    title = "CSAT"
    parameter_name = "csat"

    def lookups(self, request, model_admin):
        return [("low", "Rated 1-2 (follow up)"), ("rated", "Rated"), ("pending", "Asked, not rated")]

    def queryset(self, request, queryset):
        ratings = TicketRating.objects.filter(ticket_id=OuterRef("pk"))
        # The latest round only: a ticket rated low, reopened and then rated well is done.
        latest_score = Subquery(ratings.order_by("-round").values("score")[:1])
        value = self.value()
        if value == "low":
            return queryset.annotate(csat_latest=latest_score).filter(csat_latest__lte=2)
        if value == "rated":
            return queryset.filter(Exists(ratings.filter(score__isnull=False)))
        if value == "pending":
            return queryset.annotate(csat_latest=latest_score).filter(Exists(ratings), csat_latest__isnull=True)
        return queryset


class RatingInline(admin.TabularInline):
    """Every rating round of the ticket: a reopened ticket keeps its earlier ones."""
    model = TicketRating
    fields = readonly_fields = ["round", "score", "comment", "requested_at", "rated_at", "expires_at", "changes"]
    can_delete = False
    extra = 0
    max_num = 0
    verbose_name = "rating"
    verbose_name_plural = "Customer ratings (CSAT), one per resolution"

    def has_view_permission(self, request, obj=None):
        return request.user.is_staff and (obj is None or TicketRating.objects.filter(ticket_id=obj.pk).exists())


@admin.action(description="Convert to feature request")
def convert_to_feature_request(modeladmin, request, queryset):
    run_each(modeladmin, request, queryset, verb="Converted to feature requests:", noun="ticket(s)",
             func=lambda t: feature_request_from_ticket(ticket=t, actor=request.user))


def feedback_actions(request) -> dict:
    if not request.user.has_perm("feedback.add_featurerequest"):
        return {}
    return {"convert_to_feature_request": (convert_to_feature_request, "convert_to_feature_request",
                                           convert_to_feature_request.short_description)}


add_ticket_list_filter("feedback.csat", CsatFilter)
add_ticket_inline("feedback.ratings", RatingInline)
add_ticket_actions("feedback.feature_request", feedback_actions)

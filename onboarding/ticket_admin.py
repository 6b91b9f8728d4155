"""What onboarding adds to the ticket queue: one "Out of scope: …" action per category.

The categories are data, so the actions are built per request; registered with the core's
ticket admin (tickets.admin.add_ticket_actions), which knows nothing of onboarding."""
from django.contrib import admin

from common.admin_actions import run_each
from tickets.admin import add_ticket_actions, add_ticket_inline

from .models import ScopeCategory, TicketScope
from .services import ticket_mark_out_of_scope


def _out_of_scope_action(category):
    def action(modeladmin, request, queryset):
        run_each(modeladmin, request, queryset, verb=f"Marked out of scope ({category.name}):", noun="ticket(s)",
                 func=lambda t: ticket_mark_out_of_scope(ticket=t, actor=request.user, category=category))

    action.__name__ = f"out_of_scope_{category.code.replace('-', '_')}"
    action.short_description = f"Out of scope: {category.name} (tell the customer, resolve)"
    return action


def out_of_scope_actions(request) -> dict:
    actions = {}
    for category in ScopeCategory.objects.filter(in_scope=False):
        action = _out_of_scope_action(category)
        actions[action.__name__] = (action, action.__name__, action.short_description)
    return actions


class TicketScopeInline(admin.TabularInline):
    """The ticket page shows whether, and why, it was marked out of scope (set by the action)."""
    model = TicketScope
    fields = readonly_fields = ["category", "marked_at", "marked_by"]
    can_delete = False
    extra = 0
    max_num = 0
    verbose_name = verbose_name_plural = "support boundary"

    def has_view_permission(self, request, obj=None):
        # Shown on the tickets marked out of scope only: an empty block on every ticket says nothing.
        return super().has_view_permission(request, obj) and (obj is None or TicketScope.objects.filter(
            ticket_id=obj.pk).exists())


add_ticket_actions("onboarding.out_of_scope", out_of_scope_actions)
add_ticket_inline("onboarding.scope", TicketScopeInline)

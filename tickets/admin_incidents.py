"""Incidents in the back-office: what is linked, and updates to the affected customers. An
update written here is posted through tickets.services.incident_update_post, which tells each
affected organisation (Slack Connect channel, requesters' email); it cannot be edited after."""
from django.contrib import admin
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from common.admin_actions import HistoryInlineMixin, save_new_inline_rows

from . import services
from .models import Incident, IncidentUpdate


class IncidentUpdateInline(HistoryInlineMixin, admin.StackedInline):
    """What customers were told stays as it was told."""

    model = IncidentUpdate
    extra = 1
    fields = ["created_at", "posted_by", "resolves", "body"]
    readonly_fields = ["created_at", "posted_by"]
    select_related = ("posted_by",)
    verbose_name = "update to the affected customers"
    verbose_name_plural = "Updates (each is posted to the affected customers' Slack channels and emailed)"


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = ["id", "title", "component", "opened_at", "resolved_at", "ticket_count", "organization_count"]
    list_filter = [("resolved_at", admin.EmptyFieldListFilter), "component"]
    search_fields = ["=id", "title"]
    fields = ["title", "component", "opened_at", "resolved_at", "linked_tickets"]
    readonly_fields = ["component", "opened_at", "resolved_at", "linked_tickets"]
    inlines = [IncidentUpdateInline]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("component").annotate(
            ticket_total=Count("tickets", distinct=True),
            organization_total=Count("tickets__organization", distinct=True))

    def has_add_permission(self, request):
        return False  # opened by systemic-problem detection, which links the tickets

    def has_delete_permission(self, request, obj=None):
        return False  # customers were told of it: it stays, resolved

    @admin.display(description="tickets", ordering="ticket_total")
    def ticket_count(self, obj):
        return obj.ticket_total

    @admin.display(description="organisations", ordering="organization_total")
    def organization_count(self, obj):
        return obj.organization_total

    @admin.display(description="linked tickets")
    def linked_tickets(self, obj):
        tickets = obj.tickets.select_related("organization").order_by("pk")
        return format_html_join(
            mark_safe("<br>"), '<a href="{}">#{}</a> {} ({}, {})',
            ((reverse("admin:tickets_ticket_change", args=[t.pk]), t.pk, t.subject, t.organization.name,
              t.get_status_display()) for t in tickets)) or "None"

    def save_formset(self, request, form, formset, change):
        save_new_inline_rows(request, formset, lambda data: services.incident_update_post(
            incident=form.instance, actor=request.user, body=data["body"], resolves=data.get("resolves", False)))

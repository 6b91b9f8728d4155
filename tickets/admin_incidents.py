"""Incidents in the back-office, as the ticket core sees them: the status app's incident pages
plus the tickets linked to each (status knows no tickets, so the core extends its admin)."""
from django.contrib import admin
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from status.admin import IncidentAdmin
from status.models import Incident

admin.site.unregister(Incident)


@admin.register(Incident)
class TicketAwareIncidentAdmin(IncidentAdmin):
    list_display = IncidentAdmin.list_display + ["ticket_count", "organization_count"]
    readonly_fields = IncidentAdmin.readonly_fields + ["linked_tickets"]

    def get_fields(self, request, obj=None):
        return super().get_fields(request, obj) + (["linked_tickets"] if obj else [])

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            ticket_total=Count("tickets", distinct=True),
            organization_total=Count("tickets__organization", distinct=True))

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

from django.contrib import admin
from django.urls import path, reverse
from django.utils.html import format_html


from common.admin_actions import run_each
from common.pagination import EstimatedCountPaginator

from . import services
from .models import InboundEmail, Outcome


@admin.register(InboundEmail)
class InboundEmailAdmin(admin.ModelAdmin):
    list_display = ["received_at", "mailbox", "from_address", "subject", "outcome", "ticket_link", "organization"]
    # Every inbound mail is kept: a date filter, not the date hierarchy (a DISTINCT over every row).
    list_filter = ["outcome", "mailbox", ("received_at", admin.DateFieldListFilter)]
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    list_select_related = ["ticket", "organization"]
    search_fields = ["from_address", "subject", "=message_id"]
    readonly_fields = [f.name for f in InboundEmail._meta.fields] + ["raw_download"]
    actions = ["reprocess", "verify_sender", "discard"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # raw mail is evidence: discard marks it, nothing erases it

    @admin.display(description="ticket")
    def ticket_link(self, obj):
        if not obj.ticket_id:
            return "—"
        return format_html('<a href="{}">#{}</a>', reverse("admin:tickets_ticket_change", args=[obj.ticket_id]),
                           obj.ticket_id)

    @admin.display(description="raw message")
    def raw_download(self, obj):
        url = reverse("admin:email_intake_inboundemail_raw", args=[obj.pk])
        return format_html('<a href="{}">Download .eml ({} bytes)</a>', url, obj.size)

    def get_urls(self):
        return [path("<int:pk>/raw/", self.admin_site.admin_view(self.raw_view), name="email_intake_inboundemail_raw"),
                *super().get_urls()]

    def raw_view(self, request, pk):
        from django.http import FileResponse, Http404

        if not self.has_view_permission(request):
            raise Http404
        inbound = InboundEmail.objects.filter(pk=pk).first()
        if inbound is None:
            raise Http404
        response = FileResponse(inbound.raw.open("rb"), as_attachment=True, filename=f"inbound-{pk}.eml",
                                content_type="application/octet-stream")
        response["X-Content-Type-Options"] = "nosniff"
        return response

    def _each(self, request, queryset, verb, func):
        run_each(self, request, queryset, verb=verb, noun="message(s)", func=func)

    @admin.action(description="Reprocess (place the message again)", permissions=["change"])
    def reprocess(self, request, queryset):
        self._each(request, queryset.filter(outcome__in=[Outcome.QUARANTINED, Outcome.HELD]), "Reprocessed",
                   lambda m: services.email_place(m, actor=request.user))

    @admin.action(description="Verify sender and open the ticket", permissions=["change"])
    def verify_sender(self, request, queryset):
        self._each(request, queryset, "Verified", lambda m: services.email_verify_sender(inbound=m, actor=request.user))

    @admin.action(description="Discard", permissions=["change"])
    def discard(self, request, queryset):
        self._each(request, queryset, "Discarded", lambda m: services.email_discard(inbound=m, actor=request.user))

"""The outbox in the back-office: read-only history, with one action that goes through the
services ("Retry now")."""
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import Truncator

from common.pagination import EstimatedCountPaginator

from . import services
from .models import Notification, NotificationStatus


@admin.action(description="Retry now", permissions=["retry"])
def retry_now(modeladmin, request, queryset):
    selected = list(queryset.values_list("pk", flat=True))
    requeued = services.notification_retry(notification_ids=selected)
    if requeued:
        modeladmin.message_user(request, f"Re-queued {requeued} notification(s) to be sent now.", messages.SUCCESS)
    if skipped := len(selected) - requeued:
        modeladmin.message_user(request, f"Left {skipped} alone: only failed or queued notifications are retried.",
                                messages.WARNING)


@lru_cache(maxsize=1)
def _template_names() -> list[str]:
    # Every notification template has a subject file: templates/notifications/NAME.subject.txt.
    folder = Path(settings.BASE_DIR) / "templates" / "notifications"
    return sorted(path.name.removesuffix(".subject.txt") for path in folder.glob("*.subject.txt"))


class TemplateFilter(admin.SimpleListFilter):
    """The templates that exist, not the ones the outbox used: a field filter would list them with
    a DISTINCT over every notification there is, on every page load."""
    title = "template"
    parameter_name = "template"

    def lookups(self, request, model_admin):
        return [(name, name) for name in _template_names()]

    def queryset(self, request, queryset):
        return queryset.filter(template=self.value()) if self.value() else queryset


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["id", "created_at", "channel", "recipient", "template", "subject_short", "status", "attempts",
                    "next_attempt_at", "sent_at", "ticket_link", "error_short"]
    # The outbox only grows (several rows per ticket change): a date filter instead of the date
    # hierarchy (a DISTINCT over every row per page load), an estimated count instead of COUNT(*).
    list_filter = ["status", "channel", TemplateFilter, ("created_at", admin.DateFieldListFilter)]
    search_fields = ["key", "recipient"]
    list_per_page = 50
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    actions = [retry_now]
    fieldsets = [
        (None, {"fields": ["key", "channel", "recipient", "template", "ticket"]}),
        ("Delivery", {"fields": ["status", "attempts", "next_attempt_at", "lease_expires_at", "last_error",
                                 "created_at", "sent_at", "provider_id"]}),
        ("Message", {"fields": ["subject", "body_text", "body_html", "context"]}),
    ]
    readonly_fields = [f for fieldset in fieldsets for f in fieldset[1]["fields"]]

    @admin.display(description="subject")
    def subject_short(self, obj):
        return Truncator(obj.subject).chars(60)

    @admin.display(description="last error")
    def error_short(self, obj):
        if not obj.last_error:
            return ""
        css = "delivery-failed" if obj.status == NotificationStatus.FAILED else ""
        return format_html('<span class="{}" title="{}">{}</span>', css, obj.last_error,
                           Truncator(obj.last_error).chars(80))

    @admin.display(description="ticket", ordering="ticket_id")
    def ticket_link(self, obj):
        if obj.ticket_id is None:
            return "—"
        return format_html('<a href="{}">#{}</a>', reverse("admin:tickets_ticket_change", args=[obj.ticket_id]),
                           obj.ticket_id)

    def has_add_permission(self, request):
        return False  # rows come from events, through notification_enqueue

    def has_change_permission(self, request, obj=None):
        return False  # history: what was decided and what happened, not to be edited

    def has_delete_permission(self, request, obj=None):
        return False

    def has_retry_permission(self, request):
        return request.user.has_perm("notifications.change_notification")

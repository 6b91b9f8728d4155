from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from common.pagination import EstimatedCountPaginator
from onboarding.admin import CheckInAdmin
from onboarding.models import CheckIn, CheckInKind

from .models import QBR_TIER, DailyUsage, Qbr, QbrStatus, RenderedReport, UsageReport
from .periods import quarter_reviewed_at
from .services import qbr_finalize, qbr_reopen


@admin.register(DailyUsage)
class DailyUsageAdmin(admin.ModelAdmin):
    list_display = ["organization", "date", "metric", "value"]
    # A row per organisation, metric and day (millions): a date filter, not the date hierarchy (a
    # DISTINCT over every row per page load), and an estimated count.
    list_filter = ["metric", ("date", admin.DateFieldListFilter)]
    list_select_related = ["organization"]
    search_fields = ["organization__name", "organization__account_id"]
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    readonly_fields = ["organization", "date", "metric", "value", "updated_at"]

    def has_add_permission(self, request):
        return False  # reported by the platform (API, import_usage)


def _links(account_id: str, period: str) -> str:
    return format_html('<a href="{}" target="_blank">Preview</a> · <a href="{}">PDF</a>',
                       reverse("qbr:deck_preview", args=[account_id, period]),
                       reverse("qbr:deck", args=[account_id, period]))


@admin.action(description="Make the selected QBRs final (freezes their figures; customers see them)",
              permissions=["change"])
def make_final(modeladmin, request, queryset):
    done = 0
    for qbr in queryset.filter(status=QbrStatus.DRAFT).select_related("organization"):
        qbr_finalize(qbr=qbr, actor=request.user)
        done += 1
    modeladmin.message_user(request, f"{done} QBR(s) made final.", messages.SUCCESS)


@admin.action(description="Take the selected QBRs back to draft (customers no longer see them)",
              permissions=["change"])
def back_to_draft(modeladmin, request, queryset):
    done = 0
    for qbr in queryset.filter(status=QbrStatus.FINAL):
        qbr_reopen(qbr=qbr, actor=request.user)
        done += 1
    modeladmin.message_user(request, f"{done} QBR(s) back to draft.", messages.SUCCESS)


@admin.register(Qbr)
class QbrAdmin(admin.ModelAdmin):
    """The account manager's QBR: the figures fill themselves; the narrative, roadmap and next steps
    are written here, previewed, and the deck is made final."""

    list_display = ["organization", "period_label", "status", "finalized_at", "deck"]
    list_filter = ["status", "year", "quarter"]
    list_select_related = ["organization"]
    search_fields = ["organization__name", "organization__account_id"]
    autocomplete_fields = ["organization"]
    actions = [make_final, back_to_draft]
    readonly_fields = ["status", "finalized_at", "finalized_by", "deck"]
    fieldsets = [
        (None, {"fields": ["organization", "year", "quarter", "status", "finalized_at", "finalized_by", "deck"]}),
        ("Narrative", {"fields": ["summary", "upcoming_features", "beta_opportunities", "next_steps"],
                       "description": "Figures (usage, uptime, SLA, tickets, CSAT/NPS, open items) fill themselves "
                                      "from the data until the QBR is final."}),
    ]

    @admin.display(description="quarter", ordering="year")
    def period_label(self, obj):
        return f"{obj.year} Q{obj.quarter}"

    @admin.display(description="deck")
    def deck(self, obj):
        if not obj.pk:
            return "Save first."
        return _links(obj.organization.account_id, obj.period)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields += ["organization", "year", "quarter"]  # a QBR is of one organisation and quarter
            if obj.status == QbrStatus.FINAL:  # the presented deck: back to draft first to change it
                fields += ["summary", "upcoming_features", "beta_opportunities", "next_steps"]
        return fields


@admin.register(UsageReport)
class UsageReportAdmin(admin.ModelAdmin):
    list_display = ["organization", "month", "created_at", "mailed_at", "pdf"]
    list_filter = ["month"]
    list_select_related = ["organization"]
    search_fields = ["organization__name", "organization__account_id"]
    readonly_fields = ["organization", "month", "created_at", "mailed_at", "pdf"]

    @admin.display(description="PDF")
    def pdf(self, obj):
        return format_html('<a href="{}">PDF</a>', reverse("qbr:usage_report", args=[obj.organization.account_id,
                                                                                      obj.period]))

    def has_add_permission(self, request):
        return False  # made by the beat on the 1st


@admin.register(RenderedReport)
class RenderedReportAdmin(admin.ModelAdmin):
    """Every rendered PDF, its data version and checksum: where a stuck or failed render shows."""

    list_display = ["kind", "organization", "period", "status", "pages", "size", "render_ms", "rendered_at", "attempts"]
    list_filter = ["kind", "status"]
    list_select_related = ["organization"]
    search_fields = ["organization__name", "organization__account_id", "period"]
    readonly_fields = [f.name for f in RenderedReport._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# The onboarding cadence's QBR check-in links to its deck: the admin of check-ins is extended here
# (onboarding knows nothing of decks; qbr stands on onboarding), as tickets extends incidents'.
class CheckInWithDeckAdmin(CheckInAdmin):
    list_display = [*CheckInAdmin.list_display, "qbr_deck"]
    fields = [*CheckInAdmin.fields, "qbr_deck"]
    readonly_fields = [*CheckInAdmin.readonly_fields, "qbr_deck"]

    @admin.display(description="QBR deck")
    def qbr_deck(self, obj):
        if obj.kind != CheckInKind.QBR or obj.organization.tier.code != QBR_TIER:
            return "—"
        year, quarter = quarter_reviewed_at(obj.starts_at.date())
        return format_html('{} {} Q{}', _links(obj.organization.account_id, f"{year}-Q{quarter}"), year, quarter)


admin.site.unregister(CheckIn)
admin.site.register(CheckIn, CheckInWithDeckAdmin)

"""Back-office for feedback: ratings and NPS answers (read-only: the customers' words; an account
manager sees their own organisations'), feature requests (status and public note through the
service), the monthly reviews with each figure's change, and the staff dashboard."""
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from accounts.models import Tier
from common.pagination import EstimatedCountPaginator

from . import figures, presenting
from .exports import csv_response
from .models import FeatureRequest, MonthlyReview, NpsSurvey, SurveyRecipient, TicketRating
from .scopes import scope_from_params
from .selectors import staff_answers_q
from .services import feature_request_update
from .services.reviews import review_changes


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).filter(staff_answers_q(request.user))


class LowRatingFilter(admin.SimpleListFilter):
    title = "score"
    parameter_name = "score_band"

    def lookups(self, request, model_admin):
        return [("low", "1-2 (follow up)"), ("ok", "3"), ("good", "4-5"), ("none", "Not rated")]

    def queryset(self, request, queryset):
        bands = {"low": {"score__lte": 2}, "ok": {"score": 3}, "good": {"score__gte": 4},
                 "none": {"score__isnull": True}}
        return queryset.filter(**bands[self.value()]) if self.value() in bands else queryset


@admin.register(TicketRating)
class TicketRatingAdmin(ReadOnlyAdmin):
    list_display = ["ticket_link", "round", "score", "comment_short", "organization", "assignee", "rated_at",
                    "expires_at"]
    list_filter = [LowRatingFilter, "tier", "rated_at"]
    list_select_related = ["organization", "assignee", "ticket"]
    search_fields = ["=ticket__id", "organization__name", "comment"]
    # One request per resolved ticket: a date filter, not the date hierarchy (a DISTINCT over every row).
    list_filter = list_filter + [("requested_at", admin.DateFieldListFilter)]
    show_full_result_count = False
    paginator = EstimatedCountPaginator

    @admin.display(description="ticket", ordering="ticket_id")
    def ticket_link(self, obj):
        return format_html('<a href="{}">#{} {}</a>', reverse("admin:tickets_ticket_change", args=[obj.ticket_id]),
                           obj.ticket_id, obj.ticket.subject)

    @admin.display(description="comment")
    def comment_short(self, obj):
        return (obj.comment[:80] + "…") if len(obj.comment) > 80 else obj.comment


class NpsGroupFilter(admin.SimpleListFilter):
    title = "group"
    parameter_name = "group"

    def lookups(self, request, model_admin):
        return [("promoter", "Promoters (9-10)"), ("passive", "Passives (7-8)"), ("detractor", "Detractors (0-6)"),
                ("none", "Not answered")]

    def queryset(self, request, queryset):
        bands = {"promoter": {"score__gte": 9}, "passive": {"score__in": [7, 8]}, "detractor": {"score__lte": 6},
                 "none": {"score__isnull": True}}
        return queryset.filter(**bands[self.value()]) if self.value() in bands else queryset


@admin.register(NpsSurvey)
class NpsSurveyAdmin(ReadOnlyAdmin):
    list_display = ["quarter_label", "user", "organization", "score", "group", "comment", "answered_at"]
    list_filter = [NpsGroupFilter, "year", "quarter", "tier"]
    list_select_related = ["user", "organization"]
    search_fields = ["organization__name", "user__email", "comment"]

    @admin.display(description="quarter", ordering="year")
    def quarter_label(self, obj):
        return figures.quarter_label(obj.year, obj.quarter)

    @admin.display(description="group")
    def group(self, obj):
        return "—" if obj.score is None else figures.nps_group(obj.score)


@admin.register(SurveyRecipient)
class SurveyRecipientAdmin(ReadOnlyAdmin):
    list_display = ["user", "nps_opted_out", "opted_out_at"]
    list_filter = ["nps_opted_out"]

    def get_queryset(self, request):
        return admin.ModelAdmin.get_queryset(self, request).filter(staff_answers_q(request.user, "user__organization"))


class FeatureRequestForm(forms.ModelForm):
    class Meta:
        model = FeatureRequest
        fields = ["organization", "requested_by", "title", "description", "status", "public_note"]


@admin.register(FeatureRequest)
class FeatureRequestAdmin(admin.ModelAdmin):
    form = FeatureRequestForm
    list_display = ["__str__", "organization", "status", "requested_by", "source_ticket", "created_at"]
    list_filter = ["status", "organization__tier"]
    list_select_related = ["organization", "requested_by"]
    search_fields = ["title", "organization__name"]
    raw_id_fields = ["organization", "requested_by", "source_ticket"]

    def get_readonly_fields(self, request, obj=None):
        # Who asked and what stays as filed; staff move the status and write the public note.
        return ["organization", "requested_by", "title", "description", "source_ticket", "created_at"] if obj else []

    def save_model(self, request, obj, form, change):
        if not change:
            return super().save_model(request, obj, form, change)
        try:
            feature_request_update(feature_request=obj, actor=request.user, status=form.cleaned_data["status"],
                                   public_note=form.cleaned_data["public_note"])
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))


@admin.register(MonthlyReview)
class MonthlyReviewAdmin(admin.ModelAdmin):
    list_display = ["__str__", "frozen_at", "headline"]
    fields = ["month", "frozen_at", "changes_table", "notes"]
    readonly_fields = ["month", "frozen_at", "changes_table"]
    change_list_template = "admin/feedback/monthlyreview/change_list.html"

    def has_add_permission(self, request):
        return False  # frozen by beat on the 1st (feedback.tasks.monthly_review)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="headline")
    def headline(self, obj):
        f = obj.figures
        return (f"{f['tickets_opened']} tickets · CSAT {f['csat']['percent_satisfied']} % · NPS {f['nps']['score']} · "
                f"reopen {f['reopen_rate']['percent']} %")

    @admin.display(description="figures (change from the month before)")
    def changes_table(self, obj):
        from django.template.loader import render_to_string

        return render_to_string("admin/feedback/monthlyreview/_changes.html", {"rows": review_changes(obj)})

    def get_urls(self):
        return [path("dashboard/", self.admin_site.admin_view(self.dashboard_view), name="feedback_dashboard"),
                *super().get_urls()]

    def dashboard_view(self, request):
        """The team's figures: month range, tier and organisation filters; charts; CSV."""
        if not request.user.is_staff:
            raise PermissionDenied
        context = {**self.admin_site.each_context(request), "title": "Support figures", "opts": self.model._meta,
                   "params": request.GET, "tiers": Tier.objects.all()}
        try:
            scope = scope_from_params(request.GET, request.user, default_months=6)
        except ValidationError as exc:
            context["errors"] = exc.messages
            return TemplateResponse(request, "admin/feedback/dashboard.html", context, status=400)
        if request.GET.get("format") == "csv":
            total, months = presenting.metrics.report(scope)
            return csv_response(total, months, f"aragora-figures-{scope.start:%Y-%m}-{scope.end:%Y-%m}.csv")
        context.update(presenting.figures_context(scope))
        return TemplateResponse(request, "admin/feedback/dashboard.html", context)

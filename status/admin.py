"""The status domain in the back-office: components, incidents with their public timeline,
planned maintenance, subscribers, credit schedules, organisations' uptime agreements and the
month-end service credits. Writes that customers hear of go through the services."""
from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.utils import timezone

from common.admin_actions import HistoryInlineMixin, save_new_inline_rows

from . import incidents, uptime
from .admin_maintenance import MaintenanceWindowAdmin  # noqa: F401  (registers the maintenance pages)
from .models import (
    Component, ComponentStatus, CreditBand, CreditSchedule, Incident, IncidentComponent, IncidentUpdate, ServiceCredit, Subscriber,
    UptimeAgreement,
)


@admin.register(Component)
class ComponentAdmin(admin.ModelAdmin):
    list_display = ["name", "description", "position"]
    list_editable = ["position"]
    search_fields = ["name"]


class IncidentComponentInline(admin.TabularInline):
    model = IncidentComponent
    extra = 0
    autocomplete_fields = ["component"]
    verbose_name = "affected component"
    verbose_name_plural = "Affected components (their status during the incident)"


class IncidentUpdateInline(HistoryInlineMixin, admin.StackedInline):
    """What customers were told stays as it was told."""

    model = IncidentUpdate
    extra = 1
    fields = ["created_at", "posted_by", "status", "body"]
    readonly_fields = ["created_at", "posted_by"]
    select_related = ("posted_by",)
    verbose_name = "public update"
    verbose_name_plural = "Updates (each is published on the status page, mailed to subscribers and posted "\
                          "to the affected Enterprise customers' Slack channels)"


class IncidentForm(forms.ModelForm):
    # Only on the add page: an incident is opened with its first public update (the service).
    affected_components = forms.ModelMultipleChoiceField(queryset=Component.objects.all(), required=False)
    component_status = forms.ChoiceField(choices=[c for c in ComponentStatus.choices if c[0] != "operational"],
                                         initial=ComponentStatus.DEGRADED, required=False)
    first_update = forms.CharField(widget=forms.Textarea, required=False,
                                   help_text="What customers read first (published, mailed, posted).")

    class Meta:
        model = Incident
        fields = ["title", "impact", "started_at", "resolved_at", "postmortem"]

    def clean(self):
        data = super().clean()
        start, end = data.get("started_at"), data.get("resolved_at")
        if start and end and end < start:
            raise ValidationError({"resolved_at": "An incident cannot end before it starts."})
        if start and start > timezone.now():
            raise ValidationError({"started_at": "An incident cannot start in the future."})
        if self.instance.pk is None:
            if not (data.get("first_update") or "").strip():
                raise ValidationError({"first_update": "Write the first update customers will read."})
        elif end and self.instance.resolved_at is None:
            raise ValidationError({"resolved_at": "Resolve the incident with an update (status Resolved)."})
        return data


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    form = IncidentForm
    list_display = ["id", "title", "status", "impact", "started_at", "resolved_at", "component_names"]
    list_filter = ["status", "impact", ("resolved_at", admin.EmptyFieldListFilter)]
    search_fields = ["=id", "title"]
    date_hierarchy = "started_at"
    readonly_fields = ["status"]
    inlines = [IncidentComponentInline, IncidentUpdateInline]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["title", "impact", "started_at", "affected_components", "component_status", "first_update"]
        return ["title", "status", "impact", "started_at", "resolved_at", "postmortem"]

    def get_inlines(self, request, obj):
        return self.inlines if obj else []  # a new incident's components and first update are on the form

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("affected__component")

    def has_delete_permission(self, request, obj=None):
        return False  # customers were told of it: it stays, resolved

    @admin.display(description="components")
    def component_names(self, obj):
        return ", ".join(a.component.name for a in obj.affected.all()) or "—"

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            status = data.get("component_status") or ComponentStatus.DEGRADED
            opened = incidents.incident_open(
                actor=request.user, title=obj.title, impact=obj.impact, started_at=obj.started_at,
                body=data["first_update"], components={c: status for c in data.get("affected_components") or []})
            obj.pk = opened.pk
            obj.refresh_from_db()
            return
        incidents.incident_correct(incident=obj, actor=request.user, started_at=obj.started_at,
                                   resolved_at=obj.resolved_at, postmortem=obj.postmortem)
        Incident.objects.filter(pk=obj.pk).update(title=obj.title, impact=obj.impact)

    def save_related(self, request, form, formsets, change):
        if not change:
            return  # the service wrote the components and the first update
        for formset in formsets:
            if formset.model is IncidentUpdate:
                save_new_inline_rows(request, formset, lambda data: incidents.incident_update_post(
                    incident=form.instance, actor=request.user, body=data["body"], status=data.get("status")))
            else:
                self.save_formset(request, form, formset, change)


class CreditBandFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        bands = [(f.cleaned_data["lower_percent"], f.cleaned_data["upper_percent"], f.cleaned_data["credit_percent"])
                 for f in self.forms if getattr(f, "cleaned_data", None) and not f.cleaned_data.get("DELETE")
                 and f.cleaned_data.get("lower_percent") is not None and f.cleaned_data.get("upper_percent") is not None]
        target = self.instance.target_percent
        if target is None:
            return
        try:
            uptime.check_bands([uptime.Band(lower, upper, credit) for lower, upper, credit in bands], target)
        except uptime.ScheduleError as exc:
            raise ValidationError(str(exc)) from exc


class CreditBandInline(admin.TabularInline):
    model = CreditBand
    formset = CreditBandFormSet
    extra = 0


@admin.register(CreditSchedule)
class CreditScheduleAdmin(admin.ModelAdmin):
    list_display = ["name", "tier", "target_percent", "band_count"]
    inlines = [CreditBandInline]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("tier").annotate(bands_total=Count("bands"))

    @admin.display(description="credit bands", ordering="bands_total")
    def band_count(self, obj):
        return obj.bands_total


@admin.register(UptimeAgreement)
class UptimeAgreementAdmin(admin.ModelAdmin):
    list_display = ["organization", "schedule"]
    list_select_related = ["organization", "schedule"]
    autocomplete_fields = ["organization"]
    filter_horizontal = ["components"]
    search_fields = ["organization__name", "organization__account_id"]


class CreditOwedFilter(admin.SimpleListFilter):
    # credit_percent is never empty (0 when uptime met the target), so Django's empty-field
    # filter refused it (the changelist was a 500); the question staff ask is "is a credit owed?".
    title = "credit owed"
    parameter_name = "owed"

    def lookups(self, request, model_admin):
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(credit_percent__gt=0)
        if self.value() == "no":
            return queryset.filter(credit_percent=0)
        return queryset


@admin.register(ServiceCredit)
class ServiceCreditAdmin(admin.ModelAdmin):
    list_display = ["organization", "month", "uptime_percent", "target_percent", "downtime_minutes",
                    "excluded_maintenance_minutes", "credit_percent"]
    list_filter = ["month", CreditOwedFilter]
    list_select_related = ["organization"]
    search_fields = ["organization__name", "organization__account_id"]
    readonly_fields = [f.name for f in ServiceCredit._meta.fields] + ["incidents"]

    def has_add_permission(self, request):
        return False  # computed at month end (status.credits)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    list_display = ["email", "confirmed_at", "created_at"]
    list_filter = [("confirmed_at", admin.EmptyFieldListFilter)]
    search_fields = ["email"]
    filter_horizontal = ["components"]

"""Back-office for account managers: plans with overdue activities flagged, meetings, included
services, professional-services requests, and the guide's data (template, catalogue, scope).
Every change to a plan, meeting or request goes through services; forms ask the same checks
first, so a refusal shows on the form with its reason."""
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from . import feeds, services
from .models import (
    FINISHED_ACTIVITY, CalendarFeed, CheckIn, EngagementRequest, EngagementStatus, EngagementStep, IncludedService,
    OnboardingPlan, PlanActivity, PlanTemplate, ScopeCategory, ServiceOffering, TemplateActivity,
)
from .services import engagements as engagement_services, plans as plan_services


def _overdue_q(prefix: str = "") -> Q:
    return Q(**{f"{prefix}end_date__lt": timezone.localdate()}) & ~Q(**{f"{prefix}status__in": FINISHED_ACTIVITY})


def _flag(text: str, tone: str = "bad"):
    # Classes from static/portal/admin.css: the Content-Security-Policy allows no inline style.
    return format_html('<span class="flag flag--{}">{}</span>', tone, text)


class OverdueFilter(admin.SimpleListFilter):
    title = "overdue"
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", "Overdue"), ("no", "On schedule")]

    def queryset(self, request, queryset):
        on_plan = queryset.model is OnboardingPlan
        overdue = (Q(Exists(PlanActivity.objects.filter(_overdue_q(), plan=OuterRef("pk")))) if on_plan
                   else _overdue_q())
        if self.value() == "yes":
            return queryset.filter(overdue)
        if self.value() == "no":
            return queryset.exclude(overdue)
        return queryset


# --- the template ----------------------------------------------------------------------------------

class TemplateActivityInline(admin.TabularInline):
    model = TemplateActivity
    extra = 0
    fields = ["order", "phase", "phase_first_day", "first_day", "last_day", "name", "participants", "owner_role"]


@admin.register(PlanTemplate)
class PlanTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "is_default"]
    inlines = [TemplateActivityInline]


# --- plans -----------------------------------------------------------------------------------------

class PlanForm(forms.ModelForm):
    class Meta:
        model = OnboardingPlan
        fields = ["organization", "kickoff_date", "technical_lead", "customer_it_contact"]
        labels = {"customer_it_contact": "Customer IT contact"}

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            if self.instance.pk is None:
                plan_services.check_new_plan(
                    organization=data["organization"], kickoff_date=data.get("kickoff_date"),
                    technical_lead=data.get("technical_lead"), customer_it_contact=data.get("customer_it_contact"))
            elif "kickoff_date" in self.changed_data:
                plan_services.check_kickoff_move(plan=self.instance, kickoff_date=data.get("kickoff_date"))
        except ValidationError as exc:
            raise ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
        return data


class ActivityForm(forms.ModelForm):
    class Meta:
        model = PlanActivity
        fields = ["owner", "start_date", "end_date", "status", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 1, "cols": 30})}

    def clean(self):
        data = super().clean()
        if self.errors or not self.instance.pk:
            return data
        try:
            if {"start_date", "end_date"} & set(self.changed_data):
                plan_services.check_reschedule(activity=self.instance, plan=self.instance.plan,
                                               start_date=data.get("start_date"), end_date=data.get("end_date"))
            if data.get("status") == "blocked" and not (data.get("notes") or "").strip():
                raise ValidationError({"notes": "Say what blocks the activity, so its owner can act on it."})
        except ValidationError as exc:
            raise ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
        return data


def _plan_people(plan):
    """Who may own a plan's activity: Aragora staff and the plan's organisation's own people."""
    from accounts.models import User

    return (User.objects.filter(is_active=True)
            .filter(Q(is_staff=True) | Q(organization_id=plan.organization_id)).order_by("-is_staff", "username"))


class ActivityFormSet(forms.BaseInlineFormSet):
    """Reads the owner choices once for the whole plan: each row's select evaluated the
    queryset again, one query per activity (issue 16, tests/test_constant_queries.py)."""

    _owner_choices = None

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        field = form.fields.get("owner")
        if field is not None:
            if self._owner_choices is None:
                self._owner_choices = list(field.choices)
            field.choices = self._owner_choices
            widget = field.widget  # the admin wraps the select (add/change links); both hold choices
            while hasattr(widget, "widget"):
                widget = widget.widget
                widget.choices = self._owner_choices
        return form


class PlanActivityInline(admin.TabularInline):
    model = PlanActivity
    form = ActivityForm
    formset = ActivityFormSet
    extra = 0
    fields = ["flag", "phase", "name", "owner", "start_date", "end_date", "status", "notes"]
    readonly_fields = ["flag", "phase", "name"]
    verbose_name_plural = "Activities (changing an end date reflows what follows)"

    def get_formset(self, request, obj=None, **kwargs):
        request._onboarding_plan = obj  # the plan the owners are chosen for (formfield_for_foreignkey)
        return super().get_formset(request, obj, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        plan = getattr(request, "_onboarding_plan", None)
        if db_field.name == "owner" and plan is not None:
            kwargs["queryset"] = _plan_people(plan)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("owner", "plan")

    @admin.display(description="")
    def flag(self, obj):
        return _flag("Overdue") if obj.pk and obj.is_overdue() else ""

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OnboardingPlan)
class OnboardingPlanAdmin(admin.ModelAdmin):
    form = PlanForm
    list_display = ["organization", "kickoff_date", "go_live_date", "progress", "overdue", "account_manager"]
    list_filter = [OverdueFilter, ("organization__account_manager", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["organization__account_manager"]
    search_fields = ["organization__name", "=organization__account_id"]
    autocomplete_fields = ["organization"]
    inlines = [PlanActivityInline]
    readonly_fields = ["go_live_date", "calendar_feed", "created_at", "created_by"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            n_total=Count("activities"),
            n_finished=Count("activities", filter=Q(activities__status__in=FINISHED_ACTIVITY)),
            n_overdue=Count("activities", filter=_overdue_q("activities__")))

    def get_inlines(self, request, obj):
        return self.inlines if obj else []  # the activities come from the template on save

    def get_form(self, request, obj=None, change=False, **kwargs):
        request._onboarding_plan = obj
        return super().get_form(request, obj, change=change, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        from accounts.models import User

        plan = getattr(request, "_onboarding_plan", None)
        if db_field.name == "customer_it_contact":
            # The customer's IT contact is one of the organisation's people (of some Enterprise
            # organisation while the plan is new; the service checks it is the plan's).
            kwargs["queryset"] = (User.objects.filter(organization_id=plan.organization_id, is_active=True)
                                  if plan is not None else
                                  User.objects.filter(is_staff=False, is_active=True,
                                                      organization__tier__code="enterprise"))
        elif db_field.name == "technical_lead":
            kwargs["queryset"] = User.objects.filter(is_staff=True, is_active=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["organization", "kickoff_date", "technical_lead", "customer_it_contact"]
        return ["organization", "kickoff_date", "go_live_date", "technical_lead", "customer_it_contact",
                "calendar_feed", "created_at", "created_by"]

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields + (["organization"] if obj else [])

    @admin.display(description="done")
    def progress(self, obj):
        return f"{obj.n_finished}/{obj.n_total}"

    @admin.display(description="overdue", ordering="n_overdue")
    def overdue(self, obj):
        return _flag(f"{obj.n_overdue} overdue") if obj.n_overdue else "—"

    @admin.display(description="account manager")
    def account_manager(self, obj):
        return obj.organization.account_manager or "—"

    @admin.display(description="calendar (secret link)")
    def calendar_feed(self, obj):
        feed = CalendarFeed.objects.filter(organization_id=obj.organization_id).first()
        return format_html('<a href="{0}">{0}</a>', feeds.feed_url(feed)) if feed else "—"

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            plan = services.plan_create(organization=data["organization"], kickoff_date=data["kickoff_date"],
                                        actor=request.user, technical_lead=data.get("technical_lead"),
                                        customer_it_contact=data.get("customer_it_contact"))
            obj.pk, obj._state.adding = plan.pk, False
            return
        original = OnboardingPlan.objects.get(pk=obj.pk)
        if "kickoff_date" in form.changed_data:
            services.plan_move_kickoff(plan=original, kickoff_date=data["kickoff_date"], actor=request.user)
        contacts = {f: data.get(f) for f in ("technical_lead", "customer_it_contact") if f in form.changed_data}
        if contacts:
            services.plan_set_contacts(plan=original, actor=request.user, **contacts)

    def save_formset(self, request, form, formset, change):
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        # Ordered, so an earlier activity's slip reflows the later ones before they are read.
        for inline_form in sorted(formset.forms, key=lambda f: f.instance.order):
            if not inline_form.has_changed() or not inline_form.instance.pk:
                continue
            data, changed = inline_form.cleaned_data, inline_form.changed_data
            activity = PlanActivity.objects.get(pk=inline_form.instance.pk)
            try:
                if "start_date" in changed or "end_date" in changed:
                    activity = services.activity_reschedule(activity=activity, actor=request.user,
                                                            start_date=data["start_date"], end_date=data["end_date"])
                updates = {f: data[f] for f in ("status", "notes", "owner") if f in changed}
                if updates:
                    services.activity_update(activity=activity, actor=request.user, **updates)
                formset.changed_objects.append((activity, changed))
            except (ValidationError, PermissionDenied) as exc:
                messages.error(request, f"{activity.name}: {' '.join(getattr(exc, 'messages', [str(exc)]))}")


@admin.register(PlanActivity)
class PlanActivityAdmin(admin.ModelAdmin):
    """Every activity of every plan: the overdue filter is the account managers' to-do list."""

    list_display = ["name", "plan_link", "phase", "owner", "start_date", "end_date", "status", "flag"]
    list_filter = [OverdueFilter, "status", "owner_role", ("owner", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["plan__organization", "owner"]
    search_fields = ["name", "plan__organization__name"]
    ordering = ["end_date", "plan", "order"]

    @admin.display(description="plan", ordering="plan__organization__name")
    def plan_link(self, obj):
        url = reverse("admin:onboarding_onboardingplan_change", args=[obj.plan_id])
        return format_html('<a href="{}">{}</a>', url, obj.plan.organization.name)

    @admin.display(description="")
    def flag(self, obj):
        return _flag("Overdue") if obj.is_overdue() else ""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # changed on the plan's page, where a slip reflows the rest

    def has_delete_permission(self, request, obj=None):
        return False


# --- meetings, feeds, included services ------------------------------------------------------------

@admin.register(CheckIn)
class CheckInAdmin(admin.ModelAdmin):
    list_display = ["starts_at", "kind", "organization", "owner", "status", "reminded_at"]
    list_filter = ["kind", "status", ("owner", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["organization__tier", "owner"]
    search_fields = ["organization__name"]
    date_hierarchy = "starts_at"
    fields = ["organization", "kind", "slot", "owner", "starts_at", "duration_minutes", "status", "notes",
              "reminded_at", "sequence"]
    readonly_fields = ["organization", "kind", "slot", "owner", "duration_minutes", "reminded_at", "sequence"]
    change_list_template = "admin/onboarding/checkin/change_list.html"

    def changelist_view(self, request, extra_context=None):
        feed = services.calendar_feed_for_account_manager(request.user) if request.user.is_staff else None
        return super().changelist_view(request, {**(extra_context or {}),
                                                 "my_feed_url": feeds.feed_url(feed) if feed else None})

    def has_add_permission(self, request):
        return False  # generated from the cadence (beat, hourly)

    def save_model(self, request, obj, form, change):
        data = {f: form.cleaned_data[f] for f in ("status", "notes", "starts_at") if f in form.changed_data}
        try:
            services.checkin_update(checkin=CheckIn.objects.get(pk=obj.pk), actor=request.user, **data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))


@admin.action(description="Rotate the secret (the old link stops working)")
def rotate_secret(modeladmin, request, queryset):
    for feed in queryset:
        services.calendar_feed_rotate(feed=feed, actor=request.user)
    modeladmin.message_user(request, f"Rotated {queryset.count()} calendar link(s).", messages.SUCCESS)


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    list_display = ["__str__", "link", "created_at", "rotated_at"]
    list_select_related = ["organization", "account_manager"]
    actions = [rotate_secret]
    fields = ["organization", "account_manager", "link", "created_at", "rotated_at"]
    readonly_fields = fields

    @admin.display(description="secret link")
    def link(self, obj):
        return format_html('<a href="{0}">{0}</a>', feeds.feed_url(obj))

    def has_add_permission(self, request):
        return False


@admin.action(description="Record as held today")
def record_held_today(modeladmin, request, queryset):
    for service in queryset:
        services.included_service_record(service=service, actor=request.user, done_on=timezone.localdate())
    modeladmin.message_user(request, f"Recorded {queryset.count()} service(s); next due dates moved on.",
                            messages.SUCCESS)


@admin.register(IncludedService)
class IncludedServiceAdmin(admin.ModelAdmin):
    list_display = ["organization", "kind", "last_done_on", "next_due_on", "due", "interval_months"]
    list_filter = ["kind", ("organization__account_manager", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["organization"]
    search_fields = ["organization__name"]
    actions = [record_held_today]
    fields = ["organization", "kind", "interval_months", "last_done_on", "next_due_on", "reminded_for", "notes"]
    readonly_fields = ["organization", "kind", "last_done_on", "reminded_for"]

    @admin.display(description="")
    def due(self, obj):
        days = (obj.next_due_on - timezone.localdate()).days
        if days < 0:
            return _flag("Overdue")
        if days <= 30:
            return _flag(f"Due in {days} d", "warn")
        return ""

    def has_add_permission(self, request):
        return False  # made with the onboarding plan


# --- professional services -------------------------------------------------------------------------

@admin.register(ServiceOffering)
class ServiceOfferingAdmin(admin.ModelAdmin):
    list_display = ["name", "description", "typical_duration", "is_active", "order"]
    list_editable = ["is_active", "order"]


@admin.register(ScopeCategory)
class ScopeCategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "in_scope", "suggested_offering", "order"]
    list_filter = ["in_scope"]


class EngagementStepInline(admin.TabularInline):
    model = EngagementStep
    extra = 0
    fields = ["at", "status", "actor", "note"]
    readonly_fields = fields
    verbose_name_plural = "Steps (the customer sees these)"

    def get_queryset(self, request):
        # the actor is shown on every step: one join, not a query a step (issue 16)
        return super().get_queryset(request).select_related("actor")

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class EngagementForm(forms.ModelForm):
    move_to = forms.ChoiceField(required=False, label="Move to",
                                help_text="Scoping → proposal (estimate, price and dates) → accepted → in progress → "
                                          "delivered; or declined while scoping or proposed.")
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}),
                           help_text="Shown to the customer with the step (a decline's reason).")

    class Meta:
        model = EngagementRequest
        fields = ["estimate", "price", "currency", "start_date", "end_date"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        moves = sorted(engagement_services.ALLOWED_ENGAGEMENT_MOVES.get(self.instance.status, ()))
        self.fields["move_to"].choices = [("", "— stay —")] + [(m, EngagementStatus(m).label) for m in moves]

    def clean(self):
        data = super().clean()
        target = data.get("move_to")
        if not target or self.errors:
            return data
        try:
            engagement_services.check_engagement_move(self.instance, target, self.request_user)
            if target == EngagementStatus.PROPOSAL:
                engagement_services._clean_proposal(data.get("estimate"), data.get("price"), data.get("start_date"),
                                                    data.get("end_date"))
        except (ValidationError, PermissionDenied) as exc:
            raise ValidationError(getattr(exc, "message_dict", None) or getattr(exc, "messages", [str(exc)]))
        return data


@admin.register(EngagementRequest)
class EngagementRequestAdmin(admin.ModelAdmin):
    form = EngagementForm
    list_display = ["ref", "organization", "offering", "status", "account_manager", "price", "start_date",
                    "end_date", "created_at"]
    list_filter = ["status", "offering", ("account_manager", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["organization", "offering", "account_manager"]
    search_fields = ["summary", "organization__name"]
    inlines = [EngagementStepInline]
    readonly_fields = ["organization", "offering", "requested_by", "summary", "details", "ticket_link", "status",
                       "account_manager", "decline_reason", "created_at"]
    fieldsets = [
        (None, {"fields": ["organization", "offering", "requested_by", "summary", "details", "ticket_link",
                           "status", "account_manager", "created_at"]}),
        ("Proposal", {"fields": ["estimate", "price", "currency", "start_date", "end_date"]}),
        ("Next step", {"fields": ["move_to", "note", "decline_reason"]}),
    ]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.request_user = request.user
        return form

    @admin.display(description="request")
    def ref(self, obj):
        return f"PS-{obj.pk}"

    @admin.display(description="from ticket")
    def ticket_link(self, obj):
        if not obj.source_ticket_id:
            return "—"
        return format_html('<a href="{}">#{}</a>', reverse("admin:tickets_ticket_change", args=[obj.source_ticket_id]),
                           obj.source_ticket_id)

    def has_add_permission(self, request):
        return False  # customers request in the portal

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        target = data.get("move_to")
        if target:
            services.engagement_advance(engagement=obj, actor=request.user, to_status=target, note=data.get("note", ""),
                                        estimate=data.get("estimate"), price=data.get("price"),
                                        start_date=data.get("start_date"), end_date=data.get("end_date"))
        elif form.changed_data and obj.status == EngagementStatus.SCOPING:
            # Drafting the proposal before sending it: plain fields, no step for the customer yet.
            obj.save(update_fields=[f for f in form.changed_data if f in form.Meta.fields] + ["updated_at"])

from . import ticket_admin  # noqa: E402,F401  (adds the out-of-scope actions to the ticket queue)

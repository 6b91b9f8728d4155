"""The staff back-office. Every change goes through tickets.services, so the event log stays
complete whether a change came from the admin, the portal or the API."""
from collections.abc import Callable

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html
from django.db.models import Q
from django.utils import timezone
from django.utils.timezone import localtime

from common.admin_actions import HistoryInlineMixin, run_each
from common.pagination import EstimatedCountPaginator

from . import search, selectors, services
from .sla import clocks
from .models import Attachment, Message, SeverityCode, Status, Ticket, TicketEvent


class MessageInline(HistoryInlineMixin, admin.StackedInline):
    """The thread is history: add to it, don't rewrite it."""

    model = Message
    extra = 1
    fields = ["author", "created_at", "is_internal", "body"]
    readonly_fields = ["author", "created_at"]
    select_related = ("author",)
    verbose_name = "reply or internal note"
    verbose_name_plural = "Thread (replies are sent to the customer; internal notes are staff only)"


class AttachmentInline(admin.TabularInline):
    model = Attachment
    extra = 0
    fields = ["download", "content_type", "size", "uploaded_by", "created_at"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("uploaded_by")

    @admin.display(description="file")
    def download(self, obj):
        url = f"/api/v1/tickets/{obj.ticket_id}/attachments/{obj.pk}/download/"
        return format_html('<a href="{}">{}</a>', url, obj.filename)

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class EventInline(admin.TabularInline):
    model = TicketEvent
    extra = 0
    fields = ["created_at", "actor", "kind", "data"]
    readonly_fields = fields
    verbose_name_plural = "Event log (append-only)"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _run_per_ticket(modeladmin, request, queryset, verb, func):
    run_each(modeladmin, request, queryset, verb=verb, noun="ticket(s)", func=func)


@admin.action(description="Assign to me")
def assign_to_me(modeladmin, request, queryset):
    _run_per_ticket(modeladmin, request, queryset, "Assigned",
                    lambda t: services.ticket_assign(ticket=t, actor=request.user, assignee=request.user))


@admin.action(description="Acknowledge")
def acknowledge(modeladmin, request, queryset):
    _run_per_ticket(modeladmin, request, queryset, "Acknowledged",
                    lambda t: services.ticket_acknowledge(ticket=t, actor=request.user))


@admin.action(description="Resolve")
def resolve(modeladmin, request, queryset):
    _run_per_ticket(modeladmin, request, queryset, "Resolved",
                    lambda t: services.ticket_resolve(ticket=t, actor=request.user))


def _severity_action(code: str):
    def action(modeladmin, request, queryset):
        _run_per_ticket(modeladmin, request, queryset, f"Set {code} on",
                        lambda t: services.ticket_change_severity(ticket=t, actor=request.user, severity=code))

    action.__name__ = f"set_severity_{code.lower()}"
    return admin.action(description=f"Change severity to {code}")(action)


# Apps above the core add actions to the ticket queue without the core knowing them (e.g.
# onboarding's "Out of scope: …"): each provider maps a request to {name: (func, name, label)}.
# Per request, because such actions are often built from data.
ACTION_PROVIDERS: dict[str, Callable] = {}


INLINES: dict[str, type] = {}  # likewise, blocks on the ticket page (read-only, as a rule)
LIST_FILTERS: dict[str, type] = {}  # and filters of the queue (e.g. feedback's low ratings)


def add_ticket_actions(name: str, provider: Callable) -> None:
    ACTION_PROVIDERS[name] = provider


def add_ticket_inline(name: str, inline: type) -> None:
    INLINES[name] = inline


def add_ticket_list_filter(name: str, list_filter: type) -> None:
    LIST_FILTERS[name] = list_filter


def _short_time(value):
    # Compact, in the viewer's zone: the queue has many columns to fit.
    return date_format(localtime(value), "j M H:i T") if value else "—"


class SlaStateFilter(admin.SimpleListFilter):
    """Open tickets by the worst state of their clocks, read from the stored due and warn times."""

    title = "SLA"
    parameter_name = "sla"

    def lookups(self, request, model_admin):
        return [("breached", "Breached"), ("at_risk", "At risk"), ("paused", "Paused"), ("on_track", "On track")]

    def queryset(self, request, queryset):
        now = timezone.now()
        running = {
            "ack": Q(acknowledged_at__isnull=True),
            "response": Q(first_response_at__isnull=True),
            "resolution": ~Q(status__in=["resolved", "closed", "waiting_on_customer"]),
        }
        breached = Q()
        at_risk = Q()
        for clock, is_running in running.items():
            breached |= is_running & Q(**{f"{clock}_due_at__lte": now})
            at_risk |= is_running & Q(**{f"{clock}_warn_at__lte": now, f"{clock}_due_at__gt": now})
        value = self.value()
        if value == "breached":
            return queryset.filter(breached)
        if value == "at_risk":
            return queryset.filter(at_risk).exclude(breached)
        if value == "paused":
            return queryset.filter(status="waiting_on_customer")
        if value == "on_track":
            return queryset.filter(status__in=["new", "acknowledged", "in_progress"]).exclude(breached | at_risk)
        return queryset


class TierFilter(admin.SimpleListFilter):
    title = "tier"
    parameter_name = "tier"

    def lookups(self, request, model_admin):
        from accounts.models import Tier

        return list(Tier.objects.values_list("code", "name"))

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(organization__tier__code=self.value())
        return queryset


class AssigneeFilter(admin.SimpleListFilter):
    title = "assignee"
    parameter_name = "assignee"

    def lookups(self, request, model_admin):
        from django.contrib.auth import get_user_model

        staff = get_user_model().objects.filter(is_staff=True, is_active=True).order_by("username")
        return [("me", "Me"), ("none", "Unassigned")] + [(str(u.pk), u.get_username()) for u in staff]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "me":
            return queryset.filter(assignee=request.user)
        if value == "none":
            return queryset.filter(assignee__isnull=True)
        if value and value.isascii() and value.isdigit() and len(value) < 19:  # "²".isdigit(); bigint
            return queryset.filter(assignee_id=int(value))
        return queryset


class EscalationLevelFilter(admin.SimpleListFilter):
    title = "escalation level"
    parameter_name = "level"

    def lookups(self, request, model_admin):
        from accounts.models import EscalationLevel

        numbers = {1, *EscalationLevel.objects.values_list("number", flat=True)}  # the ladders' rungs
        return [(str(n), f"L{n}") for n in sorted(numbers)]

    def queryset(self, request, queryset):
        value = self.value()
        if value and value.isascii() and value.isdigit() and len(value) < 5:  # a smallint
            return queryset.filter(escalation_level=int(value))
        return queryset


class TicketAdminForm(forms.ModelForm):
    class Meta:
        model = Ticket
        fields = "__all__"

    def clean_status(self):
        # Show a refused transition on the form, before anything is saved.
        new, old = self.cleaned_data["status"], self.instance.status
        if self.instance.pk and new != old and new not in services.ALLOWED_TRANSITIONS.get(old, set()):
            raise ValidationError(f"A {self.instance.get_status_display().lower()} ticket cannot become "
                                  f"{Status(new).label.lower()}.")
        return new


class HotlineCallForm(forms.Form):
    organization = forms.ModelChoiceField(
        queryset=None, help_text="Phone support is for Enterprise organisations (guide: 24/7 for P1/P2).")
    caller_email = forms.EmailField(label="Caller's email", help_text="A member of that organisation.")
    severity = forms.ChoiceField(choices=[("P1", "P1 - Critical"), ("P2", "P2 - High")])
    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 5, "cols": 80}),
                              help_text="First line becomes the subject.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from accounts.models import Organization

        self.fields["organization"].queryset = Organization.objects.select_related("tier").order_by("name")


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    form = TicketAdminForm
    change_list_template = "admin/tickets/ticket/change_list.html"

    def get_urls(self):
        from django.urls import path

        return [path("log-call/", self.admin_site.admin_view(self.log_call_view), name="tickets_ticket_log_call"),
                *super().get_urls()]

    def log_call_view(self, request):
        """Log a hotline call in seconds: organisation, caller, severity, summary."""
        from django.shortcuts import redirect
        from django.template.response import TemplateResponse

        if not request.user.has_perm("tickets.add_ticket"):
            raise PermissionDenied
        form = HotlineCallForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                ticket = services.phone_call_log(staff=request.user, **form.cleaned_data)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                self.message_user(request, f"Call logged as ticket #{ticket.pk}.", messages.SUCCESS)
                return redirect("admin:tickets_ticket_change", ticket.pk)
        context = {**self.admin_site.each_context(request), "title": "Log a hotline call", "form": form,
                   "opts": self.model._meta}
        return TemplateResponse(request, "admin/tickets/ticket/log_call.html", context)
    # Subject, severity and SLA first: on a phone the columns after them are hidden (admin.css).
    list_display = ["id", "subject", "sev", "sla", "status", "organization_link", "level", "assignee",
                    "response_due", "resolution_due"]
    list_display_links = ["id", "subject"]
    # Every filter's choices are fixed or read from a small table: a field filter on escalation_level
    # (SELECT DISTINCT over every ticket: 110 ms at a million) and the date hierarchy (DISTINCT
    # date_trunc: 170 ms) cost more than the rest of the page.
    list_filter = [SlaStateFilter, TierFilter, "severity", "status", "queue", AssigneeFilter, EscalationLevelFilter,
                   "channel", ("created_at", admin.DateFieldListFilter)]
    list_select_related = ["organization__tier", "assignee"]
    # Searched by get_search_results: the full-text index, plus exact forms (below).
    search_fields = ["subject"]
    search_help_text = ("Words of the subject, description, replies and notes (the last word may be a prefix); "
                        "or a ticket number, an account id, an organisation's name, a requester's username or email.")
    list_per_page = 50
    show_full_result_count = False  # COUNT(*) over every ticket on each page load is wasted work.
    paginator = EstimatedCountPaginator  # and so is an exact count of a long filtered list
    actions = [assign_to_me, acknowledge, resolve] + [_severity_action(code) for code in SeverityCode.values]
    inlines = [MessageInline, AttachmentInline, EventInline]
    readonly_fields = ["sla_clocks", "organization", "requester", "channel", "description", "created_at", "updated_at",
                       "resolved_at", "response_due_at", "resolution_due_at", "acknowledged_at", "first_response_at",
                       "ack_due_at", "escalation_level", "next_escalation_at", "incident"]
    fieldsets = [
        (None, {"fields": ["sla_clocks", "organization", "requester", "subject", "description", "channel"]}),
        ("Triage", {"fields": ["severity", "status", "queue", "assignee", "component"]}),
        ("Customer context", {"fields": ["environment", "affected_users", "business_impact", "already_tried"]}),
        ("Clocks", {"fields": ["created_at", "updated_at", "acknowledged_at", "first_response_at", "resolved_at",
                               "ack_due_at", "response_due_at", "resolution_due_at", "escalation_level",
                               "next_escalation_at", "incident"]}),
    ]
    raw_id_fields = []

    @admin.display(description="organisation", ordering="organization__name")
    def organization_link(self, obj):
        url = reverse("admin:accounts_organization_change", args=[obj.organization_id])
        return format_html('<a href="{}">{}</a><br><small>{}</small>', url, obj.organization.name,
                           obj.organization.tier.name)

    @admin.display(description="response due", ordering="response_due_at")
    def response_due(self, obj):
        return _short_time(obj.response_due_at)

    @admin.display(description="resolution due", ordering="resolution_due_at")
    def resolution_due(self, obj):
        return _short_time(obj.resolution_due_at)

    @admin.display(description="lvl", ordering="escalation_level")
    def level(self, obj):
        return f"L{obj.escalation_level}"

    @admin.display(description="SLA")
    def sla(self, obj):
        state = clocks.worst_state(obj, timezone.now())
        label = {"on_track": "On track", "at_risk": "At risk", "breached": "Breached", "paused": "Paused",
                 "met": "Met", "none": "—"}[state]
        return format_html('<span class="sla sla--{}">{}</span>', state, label)

    @admin.display(description="SLA")
    def sla_clocks(self, obj):
        """On the change page: each clock's badge and time left, as the queue and the portal show them."""
        return render_to_string("admin/tickets/ticket/_sla_clocks.html", {"clocks": selectors.clock_rows(obj)})

    @admin.display(description="sev", ordering="severity")
    def sev(self, obj):
        return format_html('<span class="sev sev--{}" title="{}">{}</span>', obj.severity.lower(),
                           obj.get_severity_display(), obj.severity)

    def get_queryset(self, request):
        # The queue's default order is SLA urgency (selectors.tickets_by_urgency); a column
        # header click orders by that column instead.
        # (Not super(): it orders by get_ordering() before these annotations exist.)
        return selectors.tickets_by_urgency(self.model._default_manager.get_queryset())

    def get_ordering(self, request):
        return ["queue_due_at", "severity", "created_at", "pk"]  # the index ticket_queue_order

    def get_search_results(self, request, queryset, search_term):
        """Full text through the stored index (internal notes included: staff), and, in the same
        UNION of index scans, the exact forms staff type: `#123` or `123`, an account id, an
        organisation's name, a requester's username or email. Django's default (an icontains per
        field, ORed) reads every ticket: 625 ms at 100,000 tickets, growing with the table."""
        term = search_term.strip()[: search.MAX_LENGTH]
        if not term:
            return queryset, False
        exact = [Ticket.objects.filter(Q(organization__account_id=term) | Q(organization__name__iexact=term))
                 .values("pk"),
                 Ticket.objects.filter(Q(requester__username__iexact=term) | Q(requester__email__iexact=term))
                 .values("pk")]
        number = term.removeprefix("#")
        if number.isascii() and number.isdigit() and len(number) <= 18:
            exact.append(Ticket.objects.filter(pk=int(number)).values("pk"))
        # The queue's own order stays; a common word is tested ticket by ticket along the queue's
        # index instead of collecting every match first (search.narrowed).
        return search.narrowed(queryset, term, include_internal_notes=True, also=tuple(exact))[0], False

    def get_list_filter(self, request):
        return [*super().get_list_filter(request), *LIST_FILTERS.values()]

    def get_inlines(self, request, obj):
        return [*super().get_inlines(request, obj), *INLINES.values()]

    def get_actions(self, request):
        actions = super().get_actions(request)
        for provider in ACTION_PROVIDERS.values():
            actions.update(provider(request))
        return actions

    def has_add_permission(self, request):
        return False  # Tickets arrive through the channels (portal, API, email, phone log).

    def has_delete_permission(self, request, obj=None):
        return False  # Tickets and their history are kept; close instead.

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "assignee":
            from django.contrib.auth import get_user_model

            kwargs["queryset"] = get_user_model().objects.filter(is_staff=True, is_active=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    # One save is one change: the triage fields and the new thread rows go through the services
    # together, thread first (a reply that resolves a ticket is written before it is resolved),
    # and a refusal anywhere undoes all of it and says so once (no "changed successfully").
    def save_model(self, request, obj, form, change):
        pass  # written in save_related, with the thread

    def save_formset(self, request, form, formset, change):
        if formset.model is not Message:
            return super().save_formset(request, form, formset, change)
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for row in formset.forms:
            data = getattr(row, "cleaned_data", None)
            if row.instance.pk or not row.has_changed() or not data or data.get("DELETE"):
                continue
            formset.new_objects.append(services.message_create(
                ticket=form.instance, author=request.user, body=data["body"],
                is_internal=data.get("is_internal", False)))

    def save_related(self, request, form, formsets, change):
        changes = {field: form.cleaned_data[field] for field in form.changed_data}
        for formset in formsets:  # the change message reads these, whether or not a formset was saved
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        try:
            with transaction.atomic():
                for formset in formsets:
                    self.save_formset(request, form, formset, change=change)
                if changes:
                    services.ticket_update(ticket=Ticket.objects.get(pk=form.instance.pk), actor=request.user,
                                           **changes)
        except (ValidationError, PermissionDenied) as exc:
            # The savepoint undid the services' writes; the admin logs no change that did not happen.
            request._ticket_save_refused = " ".join(getattr(exc, "messages", [str(exc)]))

    def log_change(self, request, obj, message):
        if not getattr(request, "_ticket_save_refused", None):
            return super().log_change(request, obj, message)

    def response_change(self, request, obj):
        refused = getattr(request, "_ticket_save_refused", None)
        if refused:
            self.message_user(request, f"Nothing was saved: {refused}", messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
        return super().response_change(request, obj)


from . import admin_incidents  # noqa: E402,F401  (registers the incident pages)

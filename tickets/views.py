"""Customer portal pages. Thin: reads through selectors (which decide tenancy), writes through
services; a ticket outside the viewer's scope is a 404, never a 403."""
from django.conf import settings
from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.channels import support_channels_for
from common.portal import customer_only, form_errors

from . import listing, panels, selectors, services
from .downloads import attachment_response
from .forms import EscalationForm, ReplyForm, TicketForm, TicketListForm
from .models import Channel
from .serializers import escalation_history
from .sla import clocks


@require_GET
@customer_only
def dashboard(request):
    form = TicketListForm(request.GET, user=request.user)
    tickets = selectors.tickets_visible_to(request.user).select_related("requester")
    # Bad input (a date, a 10,000-character search) is shown on the page with a 400, never run.
    tickets = listing.ticket_list(tickets, **form.cleaned_data) if form.is_valid() else tickets.none()
    page = Paginator(tickets, 25).get_page(request.GET.get("page"))
    now = timezone.now()
    for ticket in page.object_list:
        ticket.response_state = clocks.state(ticket, "response", now)
        ticket.resolution_state = clocks.state(ticket, "resolution", now)
    organization = request.user.organization
    return render(request, "portal/dashboard.html", {
        "page": page, "form": form, "columns": listing.sort_columns(form.cleaned_data), "now": now,
        "organization": organization,
        # Free opens no tickets here: its (usually empty) list says where to ask instead.
        "channels": [] if organization.tier.ticket_portal else support_channels_for(organization),
        "panels": panels.for_page(panels.DASHBOARD, request, organization=organization, now=now),
    }, status=200 if form.is_valid() else 400)


@require_http_methods(["GET", "POST"])
@customer_only
def ticket_new(request):
    organization = request.user.organization
    if not organization.tier.ticket_portal:
        return _help_page(request)
    policy = selectors.policy_for(organization)
    form = TicketForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        upload = data.pop("attachment", None)
        try:
            # One transaction: a refused attachment leaves no ticket behind.
            with transaction.atomic():
                ticket, _ = services.ticket_create(
                    organization=organization, requester=request.user, channel=Channel.PORTAL, **data
                )
                if upload:
                    services.attachment_create(ticket=ticket, uploaded_by=request.user, uploaded_file=upload)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            flash.success(request, f"Ticket #{ticket.pk} is open. We will reply here and by email.")
            return redirect("portal:ticket", pk=ticket.pk)
    return render(request, "portal/ticket_new.html", {"form": form, "policy": policy, "organization": organization})


@require_GET
@customer_only
def help_page(request):
    return _help_page(request)


def _help_page(request):
    """The tier's channels (accounts.channels); on a tier without the ticket portal (Free) the
    page that says where its customers get help instead."""
    organization = request.user.organization
    return render(request, "portal/help.html" if organization.tier.ticket_portal else "portal/free_tier.html", {
        "organization": organization, "channels": support_channels_for(organization),
        "policy": selectors.policy_for(organization),
    })


@require_http_methods(["GET", "POST"])
@customer_only
def ticket_detail(request, pk):
    ticket = selectors.ticket_get_for(request.user, pk)
    form = ReplyForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                message = services.message_create(ticket=ticket, author=request.user, body=form.cleaned_data["body"])
                if form.cleaned_data.get("attachment"):
                    services.attachment_create(ticket=ticket, uploaded_by=request.user,
                                               uploaded_file=form.cleaned_data["attachment"], message=message)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            flash.success(request, "Your reply was added.")
            return redirect("portal:ticket", pk=ticket.pk)
    return _render_ticket(request, ticket, form=form, escalation_form=EscalationForm())


TRIGGER_LABELS = {
    "elapsed": "Unresolved past the level's time",
    "customer_request": "Customer request",
    "p1_not_acknowledged": "P1 not acknowledged in time",
    "p1_not_resolved": "P1 not resolved within target",
    "systemic": "Part of a systemic incident",
}


def _render_ticket(request, ticket, *, form, escalation_form):
    thread = selectors.messages_visible_to(request.user, ticket).prefetch_related("attachments")
    loose_attachments = selectors.attachments_visible_to(request.user, ticket).filter(message__isnull=True)
    policy = selectors.policy_for(ticket.organization)
    return render(request, "portal/ticket_detail.html", {
        "ticket": ticket, "thread": thread, "loose_attachments": loose_attachments, "form": form,
        "escalation_form": escalation_form, "clocks": selectors.clock_rows(ticket),
        "escalations": [{**step, "why": TRIGGER_LABELS.get(step["trigger"], step["trigger"])}
                        for step in escalation_history([ticket.pk]).get(ticket.pk, [])],
        "policy": policy, "targets": next(r for r in policy["rows"] if r["severity"].code == ticket.severity),
        "panels": panels.for_page(panels.TICKET, request, ticket=ticket),
        "escalation_refusal": selectors.escalation_request_refusal(ticket),
        "escalation_cooldown": settings.CUSTOMER_ESCALATION_COOLDOWN_MINUTES,
    })


@require_POST
@customer_only
def ticket_escalate(request, pk):
    ticket = selectors.ticket_get_for(request.user, pk)
    form = EscalationForm(request.POST)
    if form.is_valid():
        try:
            ticket = services.escalation_request(ticket=ticket, actor=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            flash.success(request, f"Escalated to level {ticket.escalation_level}. The new contacts have been told.")
            return redirect("portal:ticket", pk=ticket.pk)
    return _render_ticket(request, ticket, form=ReplyForm(), escalation_form=form)


@require_GET
@customer_only
def attachment_download(request, pk, attachment_id):
    ticket = selectors.ticket_get_for(request.user, pk)
    return attachment_response(selectors.attachment_get_for(request.user, ticket, attachment_id))

"""Customer portal pages for onboarding and professional services, and the calendar feeds.
Thin: reads through selectors (tenancy), writes through services; outside scope is a 404."""
from django.contrib import messages as flash
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common.portal import customer_only, form_errors
from tickets.selectors import ticket_get_for

from . import feeds, selectors, services
from .forms import EngagementRequestForm, ProposalAnswerForm
from .models import ENGAGEMENT_STEPS, EngagementStatus


@require_GET
@customer_only
def plan(request):
    organization = request.user.organization
    plan = selectors.plan_for(organization)
    context = {"organization": organization, "plan": plan, "enterprise": services.is_enterprise(organization)}
    if plan:
        feed = selectors.feed_for(organization) if request.user.is_customer_admin else None
        context.update(phases=selectors.plan_phases(plan), progress=selectors.plan_progress(plan),
                       checkins=selectors.upcoming_checkins(organization),
                       included=selectors.included_services_for(organization),
                       feed_url=feeds.feed_url(feed) if feed else None)
    return render(request, "onboarding/plan.html", context)


def _services_page(request, form, status=200):
    organization = request.user.organization
    return render(request, "onboarding/services.html", {
        "organization": organization, "enterprise": services.is_enterprise(organization),
        "offerings": selectors.offerings(), "form": form,
        "engagements": selectors.engagements_visible_to(request.user),
    }, status=status)


@require_http_methods(["GET", "POST"])
@customer_only
def services_page(request):
    organization = request.user.organization
    enterprise = services.is_enterprise(organization)
    if request.method == "POST":
        form = EngagementRequestForm(request.POST)
        if not enterprise:
            # The page shows no form; a hand-made POST gets the reason, and nothing is stored.
            flash.error(request, services.not_enterprise_reason(organization))
            return _services_page(request, None, status=400)
        if form.is_valid():
            try:
                engagement = services.engagement_request_create(organization=organization, requester=request.user,
                                                                **form.cleaned_data)
            except ValidationError as exc:
                form_errors(form, exc)
            else:
                flash.success(request, f"Request PS-{engagement.pk} sent. Your account manager will scope it with you.")
                return redirect("onboarding:engagement", pk=engagement.pk)
        return _services_page(request, form, status=400)
    initial = {"offering": request.GET.get("offering")} if request.GET.get("offering", "").isdigit() else {}
    return _services_page(request, EngagementRequestForm(initial=initial) if enterprise else None)


def _timeline(engagement) -> list[dict]:
    """Every step of the path with when it happened (the customer sees where it stands)."""
    reached = {}
    for step in engagement.steps.all():
        reached[step.status] = step
    path = list(ENGAGEMENT_STEPS)
    if engagement.status == EngagementStatus.DECLINED:
        path = [s for s in path if s in reached] + [EngagementStatus.DECLINED]
    return [{"status": EngagementStatus(s).label, "code": s, "step": reached.get(s),
             "current": s == engagement.status} for s in path]


@require_GET
@customer_only
def engagement_detail(request, pk):
    engagement = selectors.engagement_get_for(request.user, pk)
    return _engagement_page(request, engagement, ProposalAnswerForm())


def _engagement_page(request, engagement, form, status=200):
    can_answer = request.user.is_customer_admin and engagement.status == EngagementStatus.PROPOSAL
    return render(request, "onboarding/engagement_detail.html", {
        "engagement": engagement, "timeline": _timeline(engagement), "steps": engagement.steps.all(),
        "form": form, "can_answer": can_answer}, status=status)


@require_POST
@customer_only
def engagement_respond(request, pk):
    engagement = selectors.engagement_get_for(request.user, pk)
    form = ProposalAnswerForm(request.POST)
    if form.is_valid():
        try:
            engagement = services.engagement_advance(engagement=engagement, actor=request.user,
                                                     to_status=form.cleaned_data["decision"],
                                                     note=form.cleaned_data["note"])
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, getattr(exc, "messages", None) or [str(exc)])
        else:
            flash.success(request, f"Proposal {engagement.get_status_display().lower()}. Your account manager has been told.")
            return redirect("onboarding:engagement", pk=engagement.pk)
    return _engagement_page(request, selectors.engagement_get_for(request.user, pk), form, status=400)


@require_POST
@customer_only
def engagement_from_ticket(request, ticket_pk):
    ticket = ticket_get_for(request.user, ticket_pk)
    try:
        engagement = services.engagement_request_from_ticket(ticket=ticket, requester=request.user)
    except (ValidationError, PermissionDenied) as exc:
        flash.error(request, " ".join(getattr(exc, "messages", None) or [str(exc)]))
        return redirect("portal:ticket", pk=ticket.pk)
    flash.success(request, f"Request PS-{engagement.pk} carries the ticket over; your account manager will scope it.")
    return redirect("onboarding:engagement", pk=engagement.pk)


@require_GET
def calendar_feed(request, secret):
    # No login: calendar apps cannot sign in. The secret is the credential; a wrong one is the
    # same 404 as an unknown path, so it tells nothing about which feeds exist.
    feed = selectors.feed_by_secret(secret)
    response = HttpResponse(feeds.render_feed(feed), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="aragora.ics"'
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response

"""Portal pages of feedback: answering a rating or an NPS survey from a signed link (no sign-in:
the link is the key; a GET or HEAD only shows the page, the POST from it records), the
organisation's feature requests, and a customer admin's figures. Thin: reads via selectors,
writes via services."""
from django.contrib import messages as flash
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from common.portal import customer_only, form_errors

from . import links, presenting, selectors
from .exports import csv_response
from .forms import FeatureRequestForm, NpsForm, RatingForm
from .models import NpsSurvey, TicketRating
from .scopes import scope_from_params
from .services import csat, nps
from .services import feature_request_create


def _link_problem(request, message: str, status: int):
    return render(request, "feedback/link_problem.html", {"message": message}, status=status)


def _preselected(request, choices) -> dict:
    score = request.GET.get("score", "")
    return {"score": int(score)} if score.isdigit() and int(score) in choices else {}


@require_http_methods(["GET", "HEAD", "POST"])
def rate(request, ticket_id, token):
    try:
        rating_id, round_ = links.read_rating_token(token, ticket_id=ticket_id)
    except links.ExpiredLink as exc:
        return _link_problem(request, str(exc), 410)
    except links.BadLink as exc:
        return _link_problem(request, str(exc), 400)
    rating = (TicketRating.objects.select_related("ticket").filter(pk=rating_id, ticket_id=ticket_id, round=round_)
              .first())
    if rating is None:
        return _link_problem(request, "This rating link is not valid. Please use the link from your email.", 400)
    refusal = csat.rating_refusal(rating)
    if refusal:
        return _link_problem(request, refusal, 410)
    status, done = 200, False
    if request.method == "POST":
        form = RatingForm(request.POST)
        if form.is_valid():
            try:
                rating = csat.csat_record(rating=rating, **form.cleaned_data)
                done = True
            except ValidationError as exc:
                form_errors(form, exc)
        status = 200 if done else 400
    else:
        initial = {"comment": rating.comment, **({"score": rating.score} if rating.score else {})}
        form = RatingForm(initial={**initial, **_preselected(request, range(1, 6))})
    return render(request, "feedback/rate.html", {"rating": rating, "ticket": rating.ticket, "form": form,
                                                  "done": done}, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
def nps_survey(request, token):
    try:
        survey_id = links.read_nps_token(token)
    except links.ExpiredLink as exc:
        return _link_problem(request, str(exc), 410)
    except links.BadLink as exc:
        return _link_problem(request, str(exc), 400)
    survey = NpsSurvey.objects.select_related("organization").filter(pk=survey_id).first()
    if survey is None:
        return _link_problem(request, "This survey link is not valid. Please use the link from your email.", 400)
    refusal = nps.survey_refusal(survey)
    if refusal:
        return _link_problem(request, refusal, 410)
    status, done, opted_out = 200, False, False
    if request.method == "POST" and request.POST.get("action") == "opt_out":
        nps.nps_opt_out(user=survey.user)
        form, opted_out = NpsForm(), True
    elif request.method == "POST":
        form = NpsForm(request.POST)
        if form.is_valid():
            try:
                survey = nps.nps_answer(survey=survey, **form.cleaned_data)
                done = True
            except ValidationError as exc:
                form_errors(form, exc)
        status = 200 if done else 400
    else:
        initial = {"comment": survey.comment, **({"score": survey.score} if survey.score is not None else {})}
        form = NpsForm(initial={**initial, **_preselected(request, range(0, 11))})
    return render(request, "feedback/nps.html", {"survey": survey, "form": form, "done": done,
                                                 "opted_out": opted_out, "scores": range(11)}, status=status)


@require_http_methods(["GET", "POST"])
@customer_only
def feature_requests(request):
    organization = request.user.organization
    form = FeatureRequestForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                created = feature_request_create(organization=organization, requested_by=request.user,
                                                 **form.cleaned_data)
            except ValidationError as exc:
                form_errors(form, exc)
            else:
                flash.success(request, f"Feature request FR-{created.pk} sent. We will keep its status here.")
                return redirect("feedback:feature_requests")
        status = 400
    requests = selectors.feature_requests_visible_to(request.user).select_related("requested_by")
    return render(request, "feedback/feature_requests.html", {
        "organization": organization, "form": form, "requests": requests}, status=status)


def _customer_scope(request):
    if not request.user.is_customer_admin:
        raise PermissionDenied("Your organisation's figures are for its customer admins.")
    return scope_from_params(request.GET, request.user, default_months=6)


@require_GET
@customer_only
def figures_page(request):
    try:
        scope = _customer_scope(request)
    except ValidationError as exc:
        return render(request, "feedback/figures_portal.html", {
            "organization": request.user.organization, "errors": exc.messages,
            "params": request.GET}, status=400)
    return render(request, "feedback/figures_portal.html", {
        "organization": request.user.organization, "params": request.GET,
        **presenting.figures_context(scope)})


@require_GET
@customer_only
def figures_csv(request):
    try:
        scope = _customer_scope(request)
    except ValidationError as exc:
        return _link_problem(request, " ".join(exc.messages), 400)
    total, months = presenting.metrics.report(scope)
    account = request.user.organization.account_id
    return csv_response(total, months, f"aragora-figures-{account}-{scope.start:%Y-%m}-{scope.end:%Y-%m}.csv")

"""The public status page (no sign-in): the page, its JSON summary (shaped like Statuspage's
summary.json), its Atom feed, and email subscriptions. Thin: reads via selectors, writes via
services. Responses are public and cacheable for STATUS_PAGE_MAX_AGE seconds, with an ETag."""
from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.views.decorators.csrf import csrf_exempt
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from common.client_ip import client_ip
from common.portal import customer_only

from . import credits, links, selectors, subscriptions
from .models import Component, ComponentStatus, Incident, IncidentStatus, MaintenanceStatus, ServiceCredit
from .summary import summary

SUBSCRIBE_SENT = ("If that address can receive mail, a confirmation link is on its way. Nothing is sent "
                  "until it is confirmed.")


def _public(request, response):
    """Cacheable for a short while; a repeat with the ETag gets a 304. By shared caches (proxies,
    a CDN) only when nobody is signed in: a signed-in viewer's page names them in its header."""
    if response.status_code == 200:
        shared = not request.user.is_authenticated
        etag = '"' + hashlib.sha256(response.content).hexdigest()[:32] + '"'
        response["ETag"] = etag
        conditional = get_conditional_response(request, etag=etag, response=response)
        for answer in {id(response): response, id(conditional): conditional}.values():
            scope = {"public": True} if shared else {"private": True}  # public=False would be written out
            patch_cache_control(answer, max_age=settings.STATUS_PAGE_MAX_AGE, **scope)
        return conditional
    return response


@require_GET
def page(request):
    view = selectors.page()
    return _public(request, render(request, "status/page.html", {
        "view": view, "components": view.components, "ComponentStatus": ComponentStatus,
        "IncidentStatus": IncidentStatus, "MaintenanceStatus": MaintenanceStatus,
        "all_components": [c.component for c in view.components]}))


@require_GET
def summary_json(request):
    return _public(request, JsonResponse(summary(request.build_absolute_uri(reverse("status:page")))))


def _throttled(request) -> bool:
    """STATUS_SUBSCRIBE_PER_HOUR requests an hour per client address (a counter in the cache)."""
    key = f"status.subscribe:{client_ip(request)}"
    cache.add(key, 0, 3600)
    try:
        return cache.incr(key) > settings.STATUS_SUBSCRIBE_PER_HOUR
    except ValueError:  # expired between add and incr
        return False


@require_http_methods(["GET", "POST"])
def subscribe(request):
    components = list(Component.objects.all())
    if request.method == "GET":
        return render(request, "status/subscribe.html", {"all_components": components})
    if _throttled(request):
        return render(request, "status/subscribe.html", {
            "all_components": components, "error": "Too many requests from your address; try again in an hour."},
            status=429)
    chosen_ids = {value for value in request.POST.getlist("components") if value.isdigit()}
    chosen = [c for c in components if str(c.pk) in chosen_ids]
    if len(chosen) != len(set(request.POST.getlist("components"))):
        return render(request, "status/subscribe.html", {
            "all_components": components, "error": "Choose components from the list.", "email": request.POST.get("email", "")},
            status=400)
    try:
        subscriptions.subscription_request(email=request.POST.get("email", ""), components=chosen)
    except ValidationError as exc:
        return render(request, "status/subscribe.html", {
            "all_components": components, "error": " ".join(exc.messages), "email": request.POST.get("email", "")},
            status=400)
    return render(request, "status/subscribe.html", {"all_components": components, "sent": SUBSCRIBE_SENT})


def _link_problem(request, exc: links.BadLink):
    status = 410 if isinstance(exc, links.ExpiredLink) else 400
    return render(request, "status/link_problem.html", {"message": str(exc)}, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request, token):
    try:
        subscriber, component_ids = subscriptions.subscriber_from_confirm(token)
    except links.BadLink as exc:
        return _link_problem(request, exc)
    names = list(Component.objects.filter(pk__in=component_ids).values_list("name", flat=True))
    if request.method == "POST":  # a GET only shows the button: mail scanners open links
        subscriptions.subscription_confirm(subscriber=subscriber, component_ids=component_ids)
        return render(request, "status/confirm.html", {"done": True, "email": subscriber.email, "names": names})
    return render(request, "status/confirm.html", {"email": subscriber.email, "names": names})


@csrf_exempt  # RFC 8058 one-click: a mail client POSTs without our form; the signed token is the key
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request, token):
    try:
        subscriber = subscriptions.subscriber_from_unsubscribe(token)
    except links.BadLink as exc:
        return _link_problem(request, exc)
    if request.method == "POST":
        subscriptions.subscription_cancel(subscriber=subscriber)
        return render(request, "status/unsubscribe.html", {"done": True, "email": subscriber.email})
    return render(request, "status/unsubscribe.html", {"email": subscriber.email})


def feed(request):
    from .feeds import StatusFeed

    response = StatusFeed()(request)
    return _public(request, response) if isinstance(response, HttpResponse) else response


@require_GET
@customer_only
def uptime_page(request):
    """A customer admin's uptime and credits: this month so far, and the settled months."""
    if not request.user.is_customer_admin:
        raise PermissionDenied("Uptime and credits are for your organisation's customer admins.")
    organization = request.user.organization
    now = timezone.now()
    current = credits.uptime_for(organization, now.date().replace(day=1), now=now)
    settled = list(ServiceCredit.objects.filter(organization=organization).prefetch_related("incidents")
                   .order_by("-month")[:12])
    incidents = {i.pk: i for i in Incident.objects.filter(pk__in=current.incident_ids)}
    return render(request, "status/uptime.html", {
        "organization": organization, "current": current, "settled": settled,
        "current_incidents": [incidents[pk] for pk in current.incident_ids if pk in incidents]})

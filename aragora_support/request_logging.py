"""What every log line of a request (and of the Celery tasks it queues) carries, on top of
django-structlog's RequestMiddleware (docs/logging.md):

- request_id: the caller's X-Request-ID when it is a sane token, else django-structlog's UUID;
  sent back in the X-Request-ID response header.
- user_id, organization (the organisation's account id) and, on ticket URLs, ticket_id.
- the request as "METHOD /path?query" with the secret parts masked: route arguments named like
  a secret (token, secret, key) and query parameters named so.

The receivers are connected when this module is imported, which loading the middleware does.
"""
import logging
import re
from contextvars import ContextVar
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode

import structlog
from django.dispatch import receiver
from django.urls import Resolver404, resolve
from django.utils.functional import SimpleLazyObject, empty
from django_structlog import signals
from django_structlog.app_settings import app_settings
from django_structlog.celery import signals as celery_signals

from common.client_ip import client_ip

from .logs import MASK, is_secret_key

REQUEST_ID_HEADER = "X-Request-ID"
# A proxy's or client's request id is kept only if it cannot forge or break a log line: no
# spaces, quotes or line breaks, and short.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:@+=-]{8,128}")
# Route arguments that name a ticket: `tickets/<pk>/...` in the portal and the API, and
# `ticket_id`/`ticket_pk` elsewhere (feedback's rating link, onboarding's engagement-from-ticket).
_TICKET_ROUTE = re.compile(r"(?:^|/|\^)tickets/(?:<(?:\w+:)?pk>|\(\?P<pk>)")
_TICKET_KWARGS = ("ticket_id", "ticket_pk")

_REQUEST_LOGGER = logging.getLogger("django_structlog.middlewares.request")  # django-structlog's request lines
_current_request: ContextVar = ContextVar("aragora_request", default=None)


def sane_request_id(value) -> str | None:
    return value if isinstance(value, str) and SANE_REQUEST_ID.fullmatch(value) else None


def _match(path_info: str):
    try:
        return resolve(path_info)
    except Resolver404:
        return None


def masked_path(path: str, *, path_info: str | None = None, match=None) -> str:
    """`path` with the values of its route's secret arguments replaced by "***"."""
    match = match if match is not None else _match(path_info if path_info is not None else path)
    if match is None:
        return path
    secrets = [str(v) for k, v in match.kwargs.items() if is_secret_key(k) and str(v)]
    for value in sorted(secrets, key=len, reverse=True):
        path = path.replace(value, MASK)
    return path


def masked_query(query_string: str) -> str:
    if not query_string:
        return ""
    pairs = parse_qsl(query_string, keep_blank_values=True)
    return urlencode([(k, MASK if is_secret_key(k) else v) for k, v in pairs], safe="/:,*")


def request_line(request) -> str:
    """The request as logged: method, masked path and masked query."""
    path = masked_path(request.path, path_info=request.path_info, match=getattr(request, "resolver_match", None))
    query = masked_query(request.META.get("QUERY_STRING", ""))
    return f"{request.method} {path}" + (f"?{query}" if query else "")


def ticket_id_of(match) -> int | None:
    if match is None:
        return None
    for name in _TICKET_KWARGS:
        if name in match.kwargs:
            value = match.kwargs[name]
            break
    else:
        if "pk" not in match.kwargs or not _TICKET_ROUTE.search(match.route or ""):
            return None
        value = match.kwargs["pk"]
    value = str(value)
    return int(value) if value.isdigit() and len(value) < 19 else None  # /api/v1/tickets/abc/: no id


@lru_cache(maxsize=4096)
def _account_id(organization_id: int) -> str | None:
    # An organisation's account id never changes (editable=False): one query a process and
    # organisation, not one a request (API requests hold no organisation row, accounts.authentication).
    from accounts.models import Organization

    return Organization.objects.filter(pk=organization_id).values_list("account_id", flat=True).first()


def forget_account_ids() -> None:
    _account_id.cache_clear()


def _user_fields(user) -> dict:
    if user is None or not getattr(user, "is_authenticated", False):
        return {"user_id": None, "organization": None}
    organization_id = getattr(user, "organization_id", None)
    return {"user_id": user.pk, "organization": _account_id(organization_id) if organization_id else None}


def _resolved_user(request):
    """The request's user if something already loaded it, without loading it (for a task
    queued from code that may run before any view looked at the user)."""
    user = request.__dict__.get("user")
    if isinstance(user, SimpleLazyObject):
        user = user._wrapped
        return None if user is empty else user
    return user


class RequestContextMiddleware:
    """After AuthenticationMiddleware: binds the user, organisation and ticket before the view
    runs, so every line the view logs carries them, and the tasks it queues."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            _current_request.reset(token)

    def process_view(self, request, view_func, view_args, view_kwargs):
        # Views read request.user anyway (the page header names the viewer), so loading it here
        # costs nothing more; an API token's user is bound again once DRF has authenticated it.
        fields = _user_fields(request.user)
        ticket_id = ticket_id_of(request.resolver_match)
        if ticket_id is not None:
            fields["ticket_id"] = ticket_id
        structlog.contextvars.bind_contextvars(**fields)
        return None


@receiver(signals.bind_extra_request_metadata)
def _on_request_started(sender, request, logger, log_kwargs, **kwargs):
    upstream = sane_request_id(request.headers.get(REQUEST_ID_HEADER))
    if upstream:
        structlog.contextvars.bind_contextvars(request_id=upstream)
    # django-structlog's ipware would believe any X-Forwarded-For; ours believes only our proxies.
    structlog.contextvars.bind_contextvars(ip=client_ip(request))
    # The URL is not resolved yet: masking it costs a resolve, spent only if the line is written
    # (request_started is at DEBUG).
    if _REQUEST_LOGGER.isEnabledFor(app_settings.STATUS_START_LOG_LEVEL):
        log_kwargs["request"] = request_line(request)
    else:
        log_kwargs.pop("request", None)


@receiver(signals.bind_extra_request_finished_metadata)
def _on_request_finished(sender, request, logger, response, log_kwargs, **kwargs):
    # Past every middleware's response handling: reading the user now changes no Vary header.
    structlog.contextvars.bind_contextvars(**_user_fields(getattr(request, "user", None)))
    log_kwargs["request"] = request_line(request)
    _answer_request_id(response)


@receiver(signals.bind_extra_request_failed_metadata)
def _on_request_failed(sender, request, logger, exception, log_kwargs, **kwargs):
    log_kwargs["request"] = request_line(request)


@receiver(signals.update_failure_response)
def _on_failure_response(sender, request, response, logger, exception, **kwargs):
    _answer_request_id(response)


def _answer_request_id(response) -> None:
    request_id = structlog.contextvars.get_contextvars().get("request_id")
    if request_id:
        response[REQUEST_ID_HEADER] = request_id


@receiver(celery_signals.modify_context_before_task_publish)
def _on_task_publish(sender, context, **kwargs):
    """A task queued before the view bound the user (or by a DRF view, whose user is known only
    inside it) still carries who queued it."""
    request = _current_request.get()
    if request is not None and context.get("user_id") is None:
        user = _resolved_user(request)
        if user is not None:
            context.update({k: v for k, v in _user_fields(user).items() if v is not None})

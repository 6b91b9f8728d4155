"""The log pipeline (docs/logging.md): structlog over the standard library's logging, so that the
project's own `logging.getLogger(...)` calls, Django's, Celery's and django-structlog's events all
come out of one handler in one format: JSON lines (production) or a readable console line (the
embedded demo and DEBUG).

Imported by settings, so it imports no Django models; the request-scoped fields (request id, user,
organisation, ticket) are bound by aragora_support.request_logging.
"""
import logging
import re
import sys
from functools import lru_cache

import structlog

MASK = "***"

# A key is secret when its name, lower-cased with separators dropped, contains one of these
# (api_key, X-Api-Key, client_secret, access_token, Authorization, Set-Cookie, html_body ...) ...
_SECRET_PARTS = ("password", "passwd", "secret", "token", "authorization", "cookie", "apikey", "privatekey",
                 "credential", "signature", "csrf", "sessionid", "body")
# ... or is one of these whole names: what people wrote (a ticket's description, a message's
# content) is not for logs, and "key" alone is usually a credential. Not "message": a stdlib
# record's text is its "event".
_SECRET_NAMES = {"description", "content", "raw", "key", "sig", "text", "html"}
_SEPARATORS = re.compile(r"[-_ .]")
_REQUEST_LINE = re.compile(r'"[A-Z]+ (/[^?\s]*)(\?\S*)? HTTP/')  # runserver's: "GET /path?query HTTP/1.1"


def is_secret_key(name) -> bool:
    return isinstance(name, str) and _is_secret_name(name)


@lru_cache(maxsize=2048)  # a line has ~10 keys, nearly always the same names
def _is_secret_name(name: str) -> bool:
    folded = _SEPARATORS.sub("", name.lower())
    return folded in _SECRET_NAMES or any(part in folded for part in _SECRET_PARTS)


def _masked(value, depth=0):
    if depth > 8:  # a self-referencing structure must not hang the logger
        return value
    if isinstance(value, dict):
        return {k: MASK if is_secret_key(k) else _masked(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_masked(v, depth + 1) for v in value)
    return value


def mask_secrets(logger, method_name, event_dict):
    """A structlog processor: the value of every secret-named key, at any depth, becomes "***"."""
    for key, value in list(event_dict.items()):
        if key.startswith("_"):  # _record, _from_structlog: the formatter's own, never rendered
            continue
        event_dict[key] = MASK if is_secret_key(key) else _masked(value)
    return event_dict


def mask_django_request_paths(logger, method_name, event_dict):
    """Django's own request loggers write the raw path into their text ("Not Found: /status/
    unsubscribe/<token>/", runserver's "GET /calendar/<secret>.ics HTTP/1.1"): the secret parts
    of a route are masked there as in the request log."""
    record = event_dict.get("_record")
    name = getattr(record, "name", "")
    if name not in ("django.request", "django.server") or not isinstance(event_dict.get("event"), str):
        return event_dict
    from .request_logging import masked_path, masked_query  # Django's URL resolver: once Django is set up

    path = None
    request = getattr(record, "request", None)
    if name == "django.request" and hasattr(request, "path"):
        path = request.path
    elif name == "django.server":  # the text holds the request line (the formatter has emptied args)
        line = _REQUEST_LINE.search(event_dict["event"])
        path = line.group(1) if line else None
        if line and line.group(2):
            event_dict["event"] = event_dict["event"].replace(line.group(2), "?" + masked_query(line.group(2)[1:]))
    if path:
        masked = masked_path(path)
        if masked != path:
            event_dict["event"] = event_dict["event"].replace(path, masked)
    return event_dict


# Run on every event, whether it came from structlog or from a stdlib logger.
SHARED_PROCESSORS = [
    structlog.contextvars.merge_contextvars,  # request_id, user_id, organization, ticket_id, task_id
    structlog.stdlib.add_logger_name,
    structlog.stdlib.add_log_level,
    structlog.stdlib.PositionalArgumentsFormatter(),
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    structlog.processors.StackInfoRenderer(),
    mask_django_request_paths,
    mask_secrets,
]


def formatter(fmt: str) -> dict:
    """The dictConfig entry of a formatter: "json" (one object a line) or "console"."""
    if fmt == "json":
        renderers = [structlog.processors.format_exc_info, structlog.processors.JSONRenderer()]
    else:
        renderers = [structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())]
    return {
        "()": structlog.stdlib.ProcessorFormatter,
        "foreign_pre_chain": SHARED_PROCESSORS,
        "processors": [structlog.stdlib.ProcessorFormatter.remove_processors_meta, *renderers],
    }


def logging_config(*, fmt: str, level: str) -> dict:
    """settings.LOGGING: one handler on stderr, in `fmt`."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": formatter("json"), "console": formatter("console")},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": fmt}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Django's defaults give these handlers of their own (runserver's lines, and with DEBUG
            # a second copy of every django.request line), bypassing the format and the masking.
            "django": {"handlers": [], "propagate": True},
            "django.server": {"handlers": [], "propagate": True},
            # WeasyPrint logs each layout step of every page at INFO: a report render is not news.
            "weasyprint.progress": {"level": "WARNING"},
        },
    }


# Load balancers and Prometheus call these every few seconds on every node: a line for each
# answer that went well would be most of the log. A failing answer is still logged.
PROBE_PATHS = ("/healthz", "/readyz", "/metrics")


def drop_probe_successes(logger, method_name, event_dict):
    if event_dict.get("event") == "request_finished" and int(event_dict.get("code") or 500) < 400:
        request = event_dict.get("request")
        if isinstance(request, str) and request.partition(" ")[2].partition("?")[0] in PROBE_PATHS:
            raise structlog.DropEvent
    return event_dict


def configure_structlog() -> None:
    """structlog's loggers hand their events to the stdlib logger of the same name, whose
    handler (above) renders them; so both kinds of logger share one format and one level."""
    structlog.configure(
        processors=[structlog.stdlib.filter_by_level, drop_probe_successes, *SHARED_PROCESSORS,
                    structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def level_name(value: str) -> str:
    name = value.upper()
    if not isinstance(logging.getLevelName(name), int):
        raise ValueError(f"LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL, not {value!r}.")
    return name

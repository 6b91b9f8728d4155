"""Refuse what no view can use, before any view (or the CSRF check) reads the request.

- A body larger than the view takes is refused on its Content-Length, before a byte of it is
  read: 413 naming the limit. Views that take files (settings.UPLOAD_VIEW_NAMES) take
  ATTACHMENT_MAX_BYTES plus DATA_UPLOAD_MAX_MEMORY_SIZE for the other fields; every other view
  DATA_UPLOAD_MAX_MEMORY_SIZE. Django enforces that only on request.body, not on the stream DRF's
  parsers read, so without this a 60 MB JSON body would be read whole.
- A NUL character in the path, the query, a cookie or a form field is a 400. PostgreSQL cannot
  store or even compare text holding NUL, so every lookup or filter fed one (an admin changelist
  filter, a feed secret, a ticket filter) failed with a 500. One check here covers them all;
  JSON bodies are checked by common.parsers.
- A form body Django cannot parse (too many fields, no boundary, over the field limit) is a 400
  or 413 here rather than an exception in the middle of a view.
"""
from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.template.loader import render_to_string

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
NUL = "\x00"


def _size(size: int) -> str:
    if size < 1048576:
        return f"{size / 1024:.0f} KB"
    return f"{size // 1048576} MB" if size % 1048576 == 0 else f"{size / 1048576:.1f} MB"


def refusal(request, status: int, message: str) -> HttpResponse:
    """The error in the form its caller reads: JSON for the API and Slack, a page otherwise."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=status)
    if request.path.startswith("/integrations/"):
        return JsonResponse({"error": message}, status=status)
    # Rendered without the request: the user (and so a session cookie that may be the hostile
    # part) is never loaded for a page that refuses the request.
    return HttpResponse(render_to_string("refused.html", {"status": status, "message": message}),
                        status=status)


def body_limit(view_name: str | None) -> int | None:
    fields = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if view_name in settings.UPLOAD_VIEW_NAMES:
        return settings.ATTACHMENT_MAX_BYTES + (fields or 0)
    return fields


def _size_refusal(request) -> HttpResponse | None:
    raw = request.META.get("CONTENT_LENGTH") or "0"
    try:
        length = int(raw)
    except ValueError:
        length = -1
    if length < 0:
        return refusal(request, 400, "The Content-Length header is not a byte count.")
    match = request.resolver_match
    limit = body_limit(match.view_name if match else None)
    if limit is None or length <= limit:
        return None
    if match and match.view_name in settings.UPLOAD_VIEW_NAMES:
        what = f"attachments are limited to {_size(settings.ATTACHMENT_MAX_BYTES)}"
    else:
        what = f"at most {_size(limit)} is accepted here"
    return refusal(request, 413, f"The request is {_size(length)}; {what}.")


def _holds_nul(pairs) -> bool:
    return any(NUL in key or any(NUL in value for value in values) for key, values in pairs)


def _nul_refusal(request) -> HttpResponse | None:
    if NUL in request.path:
        return refusal(request, 400, "The address contains a NUL character.")
    if _holds_nul(request.GET.lists()):
        return refusal(request, 400, "A query parameter contains a NUL character.")
    if any(NUL in value for value in request.COOKIES.values()):
        return refusal(request, 400, "A cookie contains a NUL character.")
    return None


def _form_refusal(request) -> HttpResponse | None:
    if request.method == "POST" and request.content_type in FORM_TYPES and _holds_nul(request.POST.lists()):
        return refusal(request, 400, "A form field contains a NUL character.")
    return None


def _guarded(request, *checks) -> HttpResponse | None:
    try:
        for check in checks:
            answer = check(request)
            if answer:
                return answer
        return None
    except RequestDataTooBig:
        limit = _size(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        return refusal(request, 413, f"The form fields are over {limit} (attached files not counted).")
    except (SuspiciousOperation, MultiPartParserError) as exc:  # too many fields or files, no boundary
        return refusal(request, 400, f"The request could not be read: {exc}")


class RequestGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Before the session is loaded (a later middleware reads request.user): a session cookie
        # holding NUL failed the session lookup itself.
        return _guarded(request, _nul_refusal) or self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        # Once the view is known (its body limit depends on it), and before CsrfViewMiddleware
        # reads request.POST: the size is checked before any of the body is read.
        return _guarded(request, _size_refusal, _form_refusal)

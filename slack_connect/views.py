import json
import logging

from django.conf import settings
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from slack_sdk.signature import SignatureVerifier

from . import payloads
from .commands import slack_command_handle
from .services import slack_event_handle

logger = logging.getLogger(__name__)


def _error(message: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def _refusal(request) -> JsonResponse | None:
    """Slack signs every request: a bad or stale (over 5 minutes: a replay) signature is refused."""
    if not settings.SLACK_SIGNING_SECRET:
        return _error("Slack is not configured here.", 503)
    # slack_sdk does int() and float arithmetic on it: "abc" or "1.5" raised, 400 nines overflowed.
    timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
    if timestamp and not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        return _error("X-Slack-Request-Timestamp is not a Unix time in seconds.")
    verifier = SignatureVerifier(settings.SLACK_SIGNING_SECRET)
    # hmac.compare_digest raises on non-ASCII text: such a signature is simply not Slack's.
    if not request.headers.get("X-Slack-Signature", "").isascii() or not verifier.is_valid_request(
            request.body, dict(request.headers)):
        return _error("Invalid or stale Slack signature.", 401)
    return None


@csrf_exempt  # Slack signs its requests instead; the signature is checked first
@require_POST
def slack_events(request):
    """Slack's Events API endpoint."""
    refusal = _refusal(request)
    if refusal:
        return refusal
    try:
        payload = json.loads(request.body)
    except (ValueError, RecursionError):
        return _error("The body is not JSON.")
    if not isinstance(payload, dict):
        return _error("The body is not a JSON object.")
    payload, problem = payloads.event_envelope(payload)
    if problem:
        return _error(f"Not a Slack event: {problem}")
    if payload.get("type") == "url_verification":
        return JsonResponse({"challenge": payload.get("challenge", "")})
    if payload.get("type") != "event_callback":
        return JsonResponse({"ok": True, "outcome": "ignored"})
    outcome = slack_event_handle(payload)
    logger.info("slack event %s: %s", payload.get("event_id"), outcome)
    return JsonResponse({"ok": True, "outcome": outcome})


@csrf_exempt
@require_POST
def slack_commands(request):
    """Slash commands (/aragora): a form post, answered with an ephemeral message."""
    refusal = _refusal(request)
    if refusal:
        return refusal
    if request.content_type != "application/x-www-form-urlencoded":
        return _error("Slash commands are posted as a form.")
    form, problem = payloads.command(request.POST)
    if problem:
        return _error(f"Not a Slack command: {problem}")
    answer = slack_command_handle(form)
    # Not the answer's text: it quotes what the customer typed (a new ticket's subject).
    logger.info("slack command %s in %s answered", request.POST.get("command"), request.POST.get("channel_id"))
    return JsonResponse(answer)

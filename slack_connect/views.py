import json
import logging

from django.conf import settings
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from slack_sdk.signature import SignatureVerifier

from .commands import slack_command_handle
from .services import slack_event_handle

logger = logging.getLogger(__name__)


def _refusal(request) -> JsonResponse | None:
    """Slack signs every request: a bad or stale (over 5 minutes: a replay) signature is refused."""
    if not settings.SLACK_SIGNING_SECRET:
        return JsonResponse({"error": "Slack is not configured here."}, status=503)
    verifier = SignatureVerifier(settings.SLACK_SIGNING_SECRET)
    if not verifier.is_valid_request(request.body, dict(request.headers)):
        return JsonResponse({"error": "Invalid or stale Slack signature."}, status=401)
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
    except ValueError:
        return JsonResponse({"error": "The body is not JSON."}, status=400)
    if not isinstance(payload, dict):
        return JsonResponse({"error": "The body is not a JSON object."}, status=400)
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
        return JsonResponse({"error": "Slash commands are posted as a form."}, status=400)
    answer = slack_command_handle(request.POST)
    logger.info("slack command %s in %s: %s", request.POST.get("command"), request.POST.get("channel_id"),
                answer["text"][:80])
    return JsonResponse(answer)

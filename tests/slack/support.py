"""Requests signed the way Slack signs them (v0 HMAC-SHA256 of "v0:timestamp:body")."""
import hashlib
import hmac
import time

SECRET = "s3cr3t-signing"


def signed_headers(body: str, *, secret: str = SECRET, timestamp: float | None = None) -> dict:
    timestamp = str(int(timestamp if timestamp is not None else time.time()))
    signature = "v0=" + hmac.new(secret.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"HTTP_X_SLACK_REQUEST_TIMESTAMP": timestamp, "HTTP_X_SLACK_SIGNATURE": signature}

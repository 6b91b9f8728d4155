"""The client's address, for throttles and lockouts: one rule for every caller (docs/security.md,
"Client addresses behind proxies").

`X-Forwarded-For` is whatever the client wrote, plus one address appended by each proxy it went
through. Only the entries our own proxies appended can be believed, so with NUM_PROXIES trusted
proxies in front the client is the NUM_PROXIES-th entry from the right; with none (the default),
the header is ignored and the client is the peer of the socket, REMOTE_ADDR. This is DRF's
NUM_PROXIES rule; django-axes can use it too (AXES_CLIENT_IP_CALLABLE = this function's path).
"""
import ipaddress

from django.conf import settings


def client_ip(request) -> str:
    """The address to key a client on; REMOTE_ADDR when the trusted entry is not an address."""
    remote = request.META.get("REMOTE_ADDR", "")
    hops = settings.NUM_PROXIES
    if not hops:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if not forwarded:
        return remote
    # Fewer entries than proxies: the request skipped the outer ones, and the first entry is the
    # address the innermost proxy saw.
    candidate = forwarded[-min(hops, len(forwarded))]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote  # a garbled header must not mint a fresh throttle key per request

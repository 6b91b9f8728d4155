from __future__ import annotations

from allauth.core.exceptions import ImmediateHttpResponse
from django.shortcuts import render


def refusal_response(request, message: str, status: int = 403):
    return render(request, "account/sso_refused.html", {"message": message}, status=status)


def refuse(request, message: str, status: int = 403):
    """Ends the SSO sign-in with a page saying why (allauth's middleware sends the response)."""
    raise ImmediateHttpResponse(refusal_response(request, message, status))

"""“Sign in with SSO”: a work email or an account id leads to that organisation's IdP."""
import requests
from allauth.socialaccount.providers.base.constants import AuthProcess
from django import forms
from django.http import Http404
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from .refusal import refusal_response
from .selectors import sso_for_login_hint


class SsoStartForm(forms.Form):
    hint = forms.CharField(label="Work email or organisation account id", max_length=254,
                           widget=forms.TextInput(attrs={"autocomplete": "email", "autofocus": True}))


def _next_url(request) -> str | None:
    value = request.POST.get("next") or request.GET.get("next")
    if value and url_has_allowed_host_and_scheme(value, allowed_hosts={request.get_host()},
                                                 require_https=request.is_secure()):
        return value
    return None


@require_http_methods(["GET", "POST"])
def sso_start(request):
    if request.method == "GET":
        form = SsoStartForm(initial={"hint": request.GET.get("org", "")[:254]})
        return render(request, "account/sso_start.html", {"form": form, "next": _next_url(request)})
    form = SsoStartForm(request.POST)
    sso = sso_for_login_hint(form.cleaned_data["hint"]) if form.is_valid() else None
    if form.is_valid() and sso is None:
        form.add_error("hint", "No organisation signs in with SSO from that address or account id. "
                               "Check it, or sign in with your password.")
    if sso is None:
        return render(request, "account/sso_start.html", {"form": form, "next": _next_url(request)}, status=400)
    provider = sso.social_app.get_provider(request)
    try:
        return provider.redirect(request, AuthProcess.LOGIN, next_url=_next_url(request))
    except (requests.RequestException, ValueError, KeyError):
        # An OIDC issuer whose discovery document cannot be read (down, or changed): not the
        # person's fault, and not ours to hide as a 500.
        return refusal_response(request, f"{sso.organization.name}'s identity provider did not answer. "
                                         "Try again in a minute, or ask your administrator.", status=502)


def social_connections_are_off(request, *args, **kwargs):
    """allauth's "connect another account" pages: an organisation's IdP signs in its own members
    only, so nobody attaches an identity by hand (docs/security.md, "Single sign-on")."""
    raise Http404("Sign-in providers are set by your organisation.")

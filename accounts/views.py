"""The signed-in person's own account: profile, notification preferences and API tokens.
Customers and staff alike; everything here is about request.user only."""
from allauth.account import views as allauth_views
from django.contrib import admin
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from common.portal import form_errors

from . import selectors, services, two_factor
from .forms import ApiTokenForm, ProfileForm
from .models import ApiToken


def _page(request, *, form=None, token_form=None, new_key=None, status=200):
    response = render(request, "account/profile.html", {
        "form": form or ProfileForm(user=request.user),
        "token_form": token_form or ApiTokenForm(),
        "tokens": selectors.api_tokens_of(request.user),
        "new_key": new_key,
        "two_factor_on": two_factor.has_second_factor(request.user),
        "two_factor_required": two_factor.second_factor_required(request.user),
    }, status=status)
    if new_key:
        response["Cache-Control"] = "no-store"  # the key is shown once; no copy in any cache
    return response


@require_http_methods(["GET", "POST"])
@login_required
def profile(request):
    if request.method == "GET":
        return _page(request)
    form = ProfileForm(request.POST, user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.profile_update(user=request.user, first_name=data["first_name"], last_name=data["last_name"],
                                    timezone_name=data["timezone"], **form.preferences())
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            flash.success(request, "Profile saved.")
            return redirect("accounts:profile")
    return _page(request, form=form, status=400)


@require_POST
@login_required
def api_token_create(request):
    token_form = ApiTokenForm(request.POST)
    if token_form.is_valid():
        try:
            token, key = services.api_token_create(user=request.user, name=token_form.cleaned_data["name"])
        except ValidationError as exc:
            form_errors(token_form, exc)
        else:
            # Rendered, not redirected: the key must not wait in a session or a message cookie.
            flash.success(request, f"Token “{token.name}” created. Copy it now: it is not shown again.")
            return _page(request, new_key=key)
    return _page(request, token_form=token_form, status=400)


@require_POST
@login_required
def api_token_revoke(request, pk: int):
    try:
        services.api_token_revoke(user=request.user, token_id=pk)
    except ApiToken.DoesNotExist:
        raise Http404("No such token.")
    flash.success(request, "Token revoked: it no longer works.")
    return redirect("accounts:profile")


def email_addresses_are_set_by_staff(request, *args, **kwargs):
    """allauth's email management is off: inbound mail and tenancy trust an account's address,
    so it is set by staff (or the organisation's SSO), not by the account itself."""
    raise Http404("Email addresses are managed by Aragora support.")


class AdminLoginView(allauth_views.LoginView):
    """The back-office's sign-in page (/admin/login/), in the admin's look, but allauth's sign-in
    flow behind it: the same lockout, and the same two-factor stage and enrolment as the portal's
    (Django's own admin login would sign staff in on a password alone)."""

    template_name = "admin/login_allauth.html"

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if user.is_authenticated:
            if user.is_active and user.is_staff:
                target = request.GET.get("next", "")
                if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                       require_https=request.is_secure()):
                    target = reverse("admin:index")
                return redirect(target)
            # Signed in, but not staff: say so (a redirect to the login would loop through /admin/).
            return TemplateResponse(request, self.template_name, {**admin.site.each_context(request),
                                                                  "title": "Log in", "not_staff": True})
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), **admin.site.each_context(self.request),
                "title": "Log in", "app_path": self.request.get_full_path()}


admin_login = AdminLoginView.as_view()

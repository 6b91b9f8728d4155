import json

from django.contrib.auth import authenticate, login
from django.contrib.auth.models import Group, User
from django.http import HttpResponse, HttpResponseForbidden, JsonResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider.models import Application

from .validator import MISCONDUCT


@csrf_exempt
def sign_in(request):
    """The IdP's own sign-in (what Okta's login page is), as a form post."""
    user = authenticate(request, username=request.POST.get("username"), password=request.POST.get("password"))
    if user is None:
        return HttpResponseForbidden("wrong credentials")
    login(request, user)
    return HttpResponse("signed in")


@csrf_exempt
def setup(request):
    """The test's configuration of this IdP: clients, people and misconduct."""
    spec = json.loads(request.body)
    for client in spec.get("clients", []):
        Application.objects.update_or_create(client_id=client["client_id"], defaults={
            "client_secret": client["client_secret"], "redirect_uris": client["redirect_uri"],
            "client_type": Application.CLIENT_CONFIDENTIAL,
            "authorization_grant_type": Application.GRANT_AUTHORIZATION_CODE,
            "algorithm": Application.RS256_ALGORITHM, "skip_authorization": True, "name": client["client_id"]})
    for person in spec.get("users", []):
        user, _ = User.objects.get_or_create(username=person["username"])
        user.email, user.first_name, user.last_name = person["email"], person.get("first_name", ""), person.get(
            "last_name", "")
        user.set_password(person["password"])
        user.save()
        user.groups.set([Group.objects.get_or_create(name=name)[0] for name in person.get("groups", [])])
    MISCONDUCT.clear()
    MISCONDUCT.update(spec.get("misconduct", {}))
    return JsonResponse({"ok": True})


urlpatterns = [
    path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
    path("login/", sign_in),
    path("setup/", setup),
]

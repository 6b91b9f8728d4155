from django.urls import path
from django.views.generic import RedirectView

from . import views
from .sso import oidc as sso_oidc
from .sso import views as sso_views

app_name = "accounts"

urlpatterns = [
    path("accounts/", RedirectView.as_view(pattern_name="accounts:profile")),
    path("accounts/profile/", views.profile, name="profile"),
    path("accounts/sso/", sso_views.sso_start, name="sso_start"),  # "Sign in with SSO"
    # allauth's OIDC callback (same path, before allauth's urls), also checking the ID token's signature.
    path("accounts/oidc/<str:provider_id>/login/callback/", sso_oidc.callback),
    # allauth's connections and social signup pages (before allauth's own urls): off.
    path("accounts/3rdparty/", sso_views.social_connections_are_off),
    path("accounts/3rdparty/signup/", sso_views.social_connections_are_off),
    path("accounts/social/", sso_views.social_connections_are_off),  # allauth's old address of the first
    path("accounts/profile/tokens/", views.api_token_create, name="api_token_create"),
    path("accounts/profile/tokens/<int:pk>/revoke/", views.api_token_revoke, name="api_token_revoke"),
]

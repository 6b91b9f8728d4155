from django.urls import path
from django.views.generic import RedirectView

from . import views

app_name = "accounts"

urlpatterns = [
    path("accounts/", RedirectView.as_view(pattern_name="accounts:profile")),
    path("accounts/profile/", views.profile, name="profile"),
    path("accounts/profile/tokens/", views.api_token_create, name="api_token_create"),
    path("accounts/profile/tokens/<int:pk>/revoke/", views.api_token_revoke, name="api_token_revoke"),
]

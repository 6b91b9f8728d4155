from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from slack_connect import views as slack_views

from . import health

admin.site.site_header = "Aragora Support back-office"
admin.site.site_title = "Aragora Support"
admin.site.index_title = "Queues, organisations and policy"
# The queue is wide (due-time columns); the app sidebar would push them off screen.
admin.site.enable_nav_sidebar = False

urlpatterns = [
    path("", include("tickets.urls", namespace="portal")),
    path("", include("onboarding.urls", namespace="onboarding")),
    path("", include("video_calls.urls", namespace="video_calls")),
    path("", include("feedback.urls", namespace="feedback")),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("tickets.api_urls")),
    path("api/v1/", include("feedback.api_urls")),  # the team's figures (GET /api/v1/metrics/)
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("integrations/slack/events/", slack_views.slack_events, name="slack-events"),
    path("integrations/slack/commands/", slack_views.slack_commands, name="slack-commands"),
    path("healthz", health.healthz, name="healthz"),
    path("bench/trivial", health.trivial, name="bench-trivial"),
]

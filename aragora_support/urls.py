from allauth.account import views as allauth_views
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from accounts import views as account_views
from slack_connect import views as slack_views

from . import health, prometheus

admin.site.site_header = "Aragora Support back-office"
admin.site.site_title = "Aragora Support"
admin.site.index_title = "Queues, organisations and policy"
# The queue is wide (due-time columns); the app sidebar would push them off screen.
admin.site.enable_nav_sidebar = False

handler404 = "aragora_support.api_errors.not_found"  # JSON under /api/, the portal's page elsewhere

urlpatterns = [
    path("", include("tickets.urls", namespace="portal")),
    path("", include("onboarding.urls", namespace="onboarding")),
    path("", include("video_calls.urls", namespace="video_calls")),
    path("", include("feedback.urls", namespace="feedback")),
    path("", include("status.urls", namespace="status")),
    path("", include("qbr.urls", namespace="qbr")),  # QBR decks and monthly usage reports (PDF)  # the public status page, no sign-in
    # Accounts (django-allauth): `login` and `logout` keep their names; the rest are allauth's
    # (account_reset_password, account_change_password, ...). docs/security.md, "Accounts".
    path("accounts/login/", allauth_views.login, name="login"),
    path("accounts/logout/", allauth_views.logout, name="logout"),
    path("accounts/email/", account_views.email_addresses_are_set_by_staff),  # before allauth's own
    path("", include("accounts.urls", namespace="accounts")),
    path("accounts/", include("allauth.urls")),
    # The admin's sign-in is allauth's flow (two-factor, lockout), not Django's password-only one.
    path("admin/login/", account_views.admin_login),
    path("admin/", admin.site.urls),
    path("api/v1/", include("tickets.api_urls")),
    path("api/v1/", include("feedback.api_urls")),  # the team's figures (GET /api/v1/metrics/)
    path("api/v1/", include("status.api_urls")),  # incidents and maintenance (staff), uptime and credits
    path("api/v1/", include("qbr.api_urls")),  # daily usage reported by the platform
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("integrations/slack/events/", slack_views.slack_events, name="slack-events"),
    path("integrations/slack/commands/", slack_views.slack_commands, name="slack-commands"),
    # Probes and metrics (docs/observability.md); exempt from the HTTPS redirect (settings).
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", prometheus.metrics, name="prometheus-metrics"),
    path("bench/trivial", health.trivial, name="bench-trivial"),
]

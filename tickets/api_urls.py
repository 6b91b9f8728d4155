from django.urls import include, path
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.routers import SimpleRouter
from rest_framework.throttling import ScopedRateThrottle

from .api import TicketViewSet


class TokenView(ObtainAuthToken):
    """username + password → token. Throttled per client address against password guessing."""

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth-token"

router = SimpleRouter()
router.register("tickets", TicketViewSet, basename="ticket")

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("", include(router.urls)),
]

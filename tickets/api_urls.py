from django.urls import include, path
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.routers import SimpleRouter
from rest_framework.throttling import ScopedRateThrottle

from common.parsers import FormParser, JSONParser, MultiPartParser

from .api import TicketViewSet


class TokenView(ObtainAuthToken):
    """username + password → token. Throttled per client address against password guessing."""

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth-token"
    authentication_classes = ()  # it takes a password, no credentials (and the schema says so)
    parser_classes = [JSONParser, FormParser, MultiPartParser]  # as ObtainAuthToken's, made safe

router = SimpleRouter()
router.register("tickets", TicketViewSet, basename="ticket")

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("", include(router.urls)),
]

from django.urls import include, path
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.routers import SimpleRouter
from rest_framework.throttling import ScopedRateThrottle

from common.client_ip import client_ip

from .api import TicketViewSet


class ClientAddressThrottle(ScopedRateThrottle):
    """Keyed on the client's address as our proxies saw it, never on a header the client wrote."""

    def get_ident(self, request):
        return client_ip(request)


class TokenView(ObtainAuthToken):
    """username + password → token. Throttled per client address against password guessing."""

    throttle_classes = [ClientAddressThrottle]
    throttle_scope = "auth-token"

router = SimpleRouter()
router.register("tickets", TicketViewSet, basename="ticket")

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("", include(router.urls)),
]

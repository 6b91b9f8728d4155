from django.urls import include, path
from rest_framework.routers import SimpleRouter

from accounts.api import TokenView

from .api import TicketViewSet

router = SimpleRouter()
router.register("tickets", TicketViewSet, basename="ticket")

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("", include(router.urls)),
]

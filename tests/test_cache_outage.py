"""With the cache server gone (Redis down), the API keeps working from the database."""
import pytest
from rest_framework.test import APIClient

from tickets.models import Ticket
from tests.factories import TicketFactory, api_key_for

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def cache_down(settings):
    # Nothing listens on port 1: every cache call fails with a connection error.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:1/0",
                                   "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2}}}
    settings.TICKET_LIST_CACHE = settings.AUTH_TOKEN_CACHE = True


def test_tickets_are_listed_created_and_changed_while_the_cache_is_down(customer_admin, staff, cache_down):
    TicketFactory(requester=customer_admin, subject="before")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_key_for(customer_admin)}")
    assert [r["subject"] for r in client.get("/api/v1/tickets/").json()["results"]] == ["before"]
    created = client.post("/api/v1/tickets/", {"subject": "during", "description": "d", "severity": "P2"},
                          format="json")
    assert created.status_code == 201
    assert Ticket.objects.filter(subject="during").exists()
    assert [r["subject"] for r in client.get("/api/v1/tickets/").json()["results"]] == ["during", "before"]

"""Cached API token authentication: faster, and revocation is still immediate."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.models import ApiToken, User
from accounts.services import api_token_create
from tests.factories import TicketFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _token_cache_on(settings):
    settings.AUTH_TOKEN_CACHE = True


@pytest.fixture
def token(customer_admin):
    token, token.key = api_token_create(user=customer_admin, name="tests")
    return token


def client_for(token) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def queries(client, path="/api/v1/tickets/"):
    with CaptureQueriesContext(connection) as ctx:
        status = client.get(path).status_code
    return status, [q["sql"] for q in ctx.captured_queries]


def test_second_request_authenticates_without_a_query(token):
    client = client_for(token)
    first = queries(client)
    second = queries(client)
    table = ApiToken._meta.db_table
    assert first[0] == second[0] == 200
    assert any(table in sql for sql in first[1]) and not any(table in sql for sql in second[1])
    assert len(second[1]) < len(first[1])


def test_deleted_token_is_refused_at_once(token):
    client = client_for(token)
    assert queries(client)[0] == 200
    token.delete()
    assert client.get("/api/v1/tickets/").status_code == 401


def test_deactivated_user_is_refused_at_once(token, customer_admin):
    client = client_for(token)
    assert queries(client)[0] == 200
    customer_admin.is_active = False
    customer_admin.save()
    assert client.get("/api/v1/tickets/").status_code == 401


def test_moving_a_user_to_another_organisation_changes_what_they_see_at_once(token, customer_admin, outsider):
    TicketFactory(requester=outsider, subject="theirs")
    client = client_for(token)
    assert client.get("/api/v1/tickets/").json()["results"] == []
    customer_admin.organization = outsider.organization
    customer_admin.save()
    assert [r["subject"] for r in client.get("/api/v1/tickets/").json()["results"]] == ["theirs"]


def test_saving_a_user_built_from_the_cache_keeps_the_fields_it_does_not_hold(token, customer_admin):
    from accounts.authentication import CachedTokenAuthentication

    customer_admin.email = "keep@example.com"
    customer_admin.save()
    auth = CachedTokenAuthentication()
    auth.authenticate_credentials(token.key)  # fills the cache
    cached_user, _ = auth.authenticate_credentials(token.key)
    assert cached_user.get_deferred_fields()  # really the cached snapshot
    cached_user.timezone = "Europe/Paris"
    cached_user.save()
    stored = User.objects.get(pk=customer_admin.pk)
    assert (stored.email, stored.timezone, stored.organization_id) == (
        "keep@example.com", "Europe/Paris", customer_admin.organization_id)


def test_wrong_token_is_still_refused(token):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert client.get("/api/v1/tickets/").status_code == 401


def test_cached_user_has_the_same_identity_and_scope_as_the_stored_one(token, customer_admin):
    from accounts.authentication import CachedTokenAuthentication

    auth = CachedTokenAuthentication()
    fresh, _ = auth.authenticate_credentials(token.key)
    cached, _ = auth.authenticate_credentials(token.key)
    for attr in ("pk", "username", "is_active", "is_staff", "is_superuser", "organization_id", "customer_role",
                 "timezone", "is_customer_admin"):
        assert getattr(cached, attr) == getattr(fresh, attr), attr
    assert cached.is_staff is False and cached.is_customer_admin is True

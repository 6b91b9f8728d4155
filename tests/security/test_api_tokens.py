"""API tokens rotate: named, expiring, listed and revoked by their owner, stored as hashes,
and revoked with every password change, reset or deactivation (cached or not)."""
import hashlib
import importlib
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiToken
from accounts.services import api_token_create
from tests.conftest import login
from tests.factories import PASSWORD, api_key_for

pytestmark = pytest.mark.django_db


@pytest.fixture(params=[False, True], ids=["uncached", "cached"])
def token_cache(request, settings):
    settings.AUTH_TOKEN_CACHE = request.param
    return request.param


def api(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_a_token_made_on_the_profile_page_is_shown_once_and_stored_only_as_a_hash(client, customer):
    login(client, customer)
    response = client.post("/accounts/profile/tokens/", {"name": "CI pipeline"})
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    page = response.content.decode()
    key = page.split('aria-label="New API token" onclick="this.select()"')[0].rsplit('value="', 1)[1].split('"')[0]
    assert key.startswith("arat_") and len(key) >= 32
    token = ApiToken.objects.get(user=customer)
    assert token.digest == hashlib.sha256(key.encode()).hexdigest()
    stored = [str(value) for value in ApiToken.objects.values_list().get()]
    assert not any(key in value for value in stored)
    assert api(key).get("/api/v1/tickets/").status_code == 200
    later = client.get("/accounts/profile/").content.decode()
    assert "CI pipeline" in later and token.prefix in later and key not in later


def test_the_token_list_shows_only_the_viewers_own_tokens(client, customer, customer_admin):
    api_key_for(customer, "mine")
    api_key_for(customer_admin, "my admin's")
    page = login(client, customer).get("/accounts/profile/").content.decode()
    assert "mine" in page and "my admin&#x27;s" not in page and "my admin's" not in page


def test_revoking_someone_elses_token_is_a_404_and_changes_nothing(client, customer, outsider):
    key = api_key_for(outsider, "theirs")
    theirs = ApiToken.objects.get(user=outsider)
    login(client, customer)
    assert client.post(f"/accounts/profile/tokens/{theirs.pk}/revoke/").status_code == 404
    assert client.post("/accounts/profile/tokens/999999/revoke/").status_code == 404
    assert ApiToken.objects.filter(pk=theirs.pk).exists() and api(key).get("/api/v1/tickets/").status_code == 200


def test_revoking_a_token_refuses_it_at_once(client, customer, token_cache):
    key = api_key_for(customer, "old laptop")
    assert api(key).get("/api/v1/tickets/").status_code == 200  # cached now, when the cache is on
    token = ApiToken.objects.get(user=customer)
    response = login(client, customer).post(f"/accounts/profile/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    refused = api(key).get("/api/v1/tickets/")
    assert refused.status_code == 401 and refused.json()["detail"] == "Invalid token."


def test_revoking_needs_a_post(client, customer):
    api_key_for(customer)
    token = ApiToken.objects.get(user=customer)
    assert login(client, customer).get(f"/accounts/profile/tokens/{token.pk}/revoke/").status_code == 405
    assert ApiToken.objects.filter(pk=token.pk).exists()


@pytest.mark.parametrize("name", ["", "   ", "x" * 101, "bad\u202ename"])
def test_a_token_needs_a_sensible_name(client, customer, name):
    response = login(client, customer).post("/accounts/profile/tokens/", {"name": name})
    assert response.status_code == 400 and not ApiToken.objects.exists()


def test_an_expired_token_gets_401_saying_it_expired(customer, settings, token_cache):
    settings.API_TOKEN_TTL_DAYS = 90
    key = api_key_for(customer)
    assert api(key).get("/api/v1/tickets/").status_code == 200
    with time_machine.travel(timezone.now() + timedelta(days=90, seconds=1)):
        response = api(key).get("/api/v1/tickets/")
    assert response.status_code == 401
    assert response.json()["detail"].startswith("Token expired on ") and "profile page" in response.json()["detail"]


def test_a_token_that_expires_while_cached_is_refused_at_its_expiry(customer, settings):
    settings.AUTH_TOKEN_CACHE = True
    key = api_key_for(customer)
    expiry = timezone.now() + timedelta(seconds=20)  # well inside the cache entry's 60 s
    ApiToken.objects.filter(user=customer).update(expires_at=expiry)
    assert api(key).get("/api/v1/tickets/").status_code == 200  # cached now
    with time_machine.travel(expiry + timedelta(seconds=1)):
        response = api(key).get("/api/v1/tickets/")
    assert response.status_code == 401 and response.json()["detail"].startswith("Token expired on ")


def test_a_token_works_until_its_expiry(customer, settings):
    settings.API_TOKEN_TTL_DAYS = 7
    key = api_key_for(customer)
    token = ApiToken.objects.get(user=customer)
    assert token.expires_at - token.created_at == timedelta(days=7)
    with time_machine.travel(token.expires_at - timedelta(seconds=5)):
        assert api(key).get("/api/v1/tickets/").status_code == 200


def test_a_password_change_revokes_every_token_of_that_user_only(customer, customer_admin, token_cache):
    keys = [api_key_for(customer, "a"), api_key_for(customer, "b")]
    other = api_key_for(customer_admin)
    for key in keys:
        assert api(key).get("/api/v1/tickets/").status_code == 200
    customer.set_password("another-long-passphrase")
    customer.save()
    assert [api(key).get("/api/v1/tickets/").status_code for key in keys] == [401, 401]
    assert api(other).get("/api/v1/tickets/").status_code == 200


def test_saving_a_user_without_a_new_password_keeps_their_tokens(customer):
    key = api_key_for(customer)
    customer.first_name = "Renamed"
    customer.save()
    customer.save(update_fields=["last_login"])
    assert api(key).get("/api/v1/tickets/").status_code == 200


def test_deactivation_revokes_every_token_at_once(customer, token_cache):
    key = api_key_for(customer)
    assert api(key).get("/api/v1/tickets/").status_code == 200
    customer.is_active = False
    customer.save()
    assert api(key).get("/api/v1/tickets/").status_code == 401
    assert not ApiToken.objects.filter(user=customer).exists()
    customer.is_active = True  # coming back does not bring the tokens back
    customer.save()
    assert api(key).get("/api/v1/tickets/").status_code == 401


def test_last_use_is_recorded_at_most_every_few_minutes(customer, settings):
    settings.AUTH_TOKEN_CACHE = False  # with the cache, it is recorded when the entry is refreshed
    key = api_key_for(customer)
    token = ApiToken.objects.get(user=customer)
    assert token.last_used_at is None
    api(key).get("/api/v1/tickets/")
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    api(key).get("/api/v1/tickets/")
    token.refresh_from_db()
    assert token.last_used_at == first
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        api(key).get("/api/v1/tickets/")
    token.refresh_from_db()
    assert token.last_used_at > first


def test_token_endpoint_returns_a_new_named_token_with_its_expiry(customer, settings):
    settings.API_TOKEN_TTL_DAYS = 30
    response = APIClient().post("/api/v1/auth/token/", {"username": customer.username, "password": PASSWORD,
                                                        "name": "nightly export"}, format="json")
    assert response.status_code == 200
    body = response.json()
    token = ApiToken.objects.get(pk=body["id"])
    assert (token.user, token.name, token.digest) == (customer, "nightly export",
                                                      hashlib.sha256(body["token"].encode()).hexdigest())
    assert body["expires_at"].startswith(str((token.created_at + timedelta(days=30)).date()))


def test_token_endpoint_refuses_more_tokens_than_the_limit(customer, settings):
    settings.API_TOKEN_MAX_PER_USER = 2
    client = APIClient()
    statuses = [client.post("/api/v1/auth/token/", {"username": customer.username, "password": PASSWORD},
                            format="json") for _ in range(3)]
    assert [r.status_code for r in statuses] == [200, 200, 400]
    assert "revoke one on your profile page" in str(statuses[2].json())
    assert ApiToken.objects.filter(user=customer).count() == 2


def test_expired_tokens_do_not_count_against_the_limit_and_are_cleared(customer, settings):
    settings.API_TOKEN_MAX_PER_USER = 1
    api_token_create(user=customer, name="old")
    with time_machine.travel(timezone.now() + timedelta(days=settings.API_TOKEN_TTL_DAYS + 1)):
        api_token_create(user=customer, name="new")
    assert list(ApiToken.objects.filter(user=customer).values_list("name", flat=True)) == ["new"]


def test_drf_tokens_from_before_are_moved_to_hashed_tokens_and_keep_working(customer, settings):
    from django.apps import apps
    from rest_framework.authtoken.models import Token

    old = Token.objects.create(user=customer)
    importlib.import_module("accounts.migrations.0010_move_drf_tokens_to_api_tokens").move(apps, None)
    assert not Token.objects.exists()
    moved = ApiToken.objects.get(user=customer)
    assert moved.digest == hashlib.sha256(old.key.encode()).hexdigest()
    assert abs(moved.expires_at - timezone.now() - timedelta(days=settings.API_TOKEN_TTL_DAYS)) < timedelta(minutes=1)
    assert api(old.key).get("/api/v1/tickets/").status_code == 200


def test_staff_revoke_tokens_in_the_admin(client, customer, django_user_model):
    key = api_key_for(customer)
    token = ApiToken.objects.get(user=customer)
    admin_user = django_user_model.objects.create_superuser("root", "root@example.com", PASSWORD)
    client.force_login(admin_user)
    page = client.get("/admin/accounts/apitoken/")
    assert page.status_code == 200 and token.prefix in page.content.decode() and key not in page.content.decode()
    response = client.post("/admin/accounts/apitoken/", {"action": "revoke", "_selected_action": [token.pk]})
    assert response.status_code == 302 and api(key).get("/api/v1/tickets/").status_code == 401

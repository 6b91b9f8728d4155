"""Login lockout (django-axes): the portal sign-in, the admin sign-in and the API token endpoint
lock a username + client address after AXES_FAILURE_LIMIT failures, say for how long
(Retry-After), and are unlocked by the cool-off, a password reset, or staff in the admin."""
from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.utils import timezone
from rest_framework.test import APIClient

from tests.factories import PASSWORD, StaffFactory

pytestmark = pytest.mark.django_db

COOL_OFF = 15 * 60


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.AXES_FAILURE_LIMIT = 5
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)


def portal(client, username, password, ip="203.0.113.7", **extra):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip, **extra)


def admin(client, username, password, ip="203.0.113.7"):
    return client.post("/admin/login/?next=/admin/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def token(client, username, password, ip="203.0.113.7"):
    return APIClient().post("/api/v1/auth/token/", {"username": username, "password": password}, format="json",
                            REMOTE_ADDR=ip)


def assert_locked(response, *, json=False):
    assert response.status_code == 429
    assert COOL_OFF - 5 <= int(response["Retry-After"]) <= COOL_OFF
    text = response.json()["detail"] if json else response.content.decode()
    assert "Too many failed sign-in attempts" in text and "15 minutes" in text


def test_portal_sign_in_locks_after_five_failures_and_says_for_how_long(client, customer):
    for _ in range(4):
        response = portal(client, customer.username, "wrong")
        assert response.status_code == 200 and "not correct" in response.content.decode()
    assert_locked(portal(client, customer.username, "wrong"))
    assert_locked(portal(client, customer.username, PASSWORD))  # even the right password, for now
    assert client.get("/").status_code == 302


def test_admin_sign_in_locks_after_five_failures_and_says_for_how_long(client):
    staff = StaffFactory(username="engineer-locked")
    for _ in range(4):
        assert admin(client, staff.username, "wrong").status_code == 200
    assert_locked(admin(client, staff.username, "wrong"))
    assert_locked(admin(client, staff.username, PASSWORD))


def test_api_token_endpoint_locks_after_five_failures_with_json_429_and_retry_after(client, customer):
    for _ in range(4):
        response = token(client, customer.username, "wrong")
        assert response.status_code == 400 and "Unable to log in" in str(response.json())
    assert_locked(token(client, customer.username, "wrong"), json=True)
    locked = token(client, customer.username, PASSWORD)
    assert_locked(locked, json=True)
    assert "token" not in locked.json()


def test_the_three_ways_in_share_one_count(client, customer):
    portal(client, customer.username, "wrong")
    admin(client, customer.username, "wrong")
    token(client, customer.username, "wrong")
    portal(client, customer.username, "wrong")
    assert_locked(token(client, customer.username, "wrong"), json=True)
    assert_locked(portal(client, customer.username, PASSWORD))


def test_case_and_email_variants_of_one_username_share_one_count(client, customer):
    for login in (customer.username.upper(), customer.username, customer.email, customer.email.upper()):
        portal(client, login, "wrong")
    assert_locked(portal(client, customer.username.title(), "wrong"))


def test_the_lock_is_per_username_and_address(client, customer, customer_admin):
    for _ in range(5):
        portal(client, customer.username, "wrong")
    assert_locked(portal(client, customer.username, PASSWORD))
    # The same person from another address, and another person from this one, still get in.
    assert portal(client, customer.username, PASSWORD, ip="198.51.100.20").status_code == 302
    client.logout()
    assert portal(client, customer_admin.username, PASSWORD).status_code == 302


def test_x_forwarded_for_is_ignored_without_trusted_proxies(client, customer, settings):
    settings.NUM_PROXIES = 0
    for n in range(5):
        portal(client, customer.username, "wrong", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    assert_locked(portal(client, customer.username, PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.99"))
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}


def test_behind_one_trusted_proxy_the_address_it_saw_is_the_client(client, customer, settings):
    settings.NUM_PROXIES = 1
    proxy = "10.0.0.2"
    for n in range(5):  # a client that invents a left-hand part of the header gains nothing
        portal(client, customer.username, "wrong", ip=proxy, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 198.51.100.9")
    assert_locked(portal(client, customer.username, PASSWORD, ip=proxy, HTTP_X_FORWARDED_FOR="198.51.100.9"))
    assert portal(client, customer.username, PASSWORD, ip=proxy, HTTP_X_FORWARDED_FOR="198.51.100.10").status_code == 302
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.9"}


def test_retry_after_counts_down_and_the_lock_lifts_after_the_cool_off(client, customer):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(5):
            portal(client, customer.username, "wrong")
    with time_machine.travel(start + timedelta(minutes=10), tick=False):
        response = portal(client, customer.username, PASSWORD)
        assert response.status_code == 429 and int(response["Retry-After"]) == 5 * 60
        assert "5 minutes" in response.content.decode()
    with time_machine.travel(start + timedelta(minutes=15, seconds=1), tick=False):
        assert portal(client, customer.username, PASSWORD).status_code == 302


def test_a_successful_sign_in_starts_the_count_over(client, customer):
    for _ in range(4):
        portal(client, customer.username, "wrong")
    assert portal(client, customer.username, PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        assert portal(client, customer.username, "wrong").status_code == 200
    assert_locked(portal(client, customer.username, "wrong"))


def test_a_token_from_the_api_starts_the_count_over_too(client, customer):
    for _ in range(4):
        token(client, customer.username, "wrong")
    assert token(client, customer.username, PASSWORD).status_code == 200
    for _ in range(4):
        assert token(client, customer.username, "wrong").status_code == 400
    assert_locked(token(client, customer.username, "wrong"), json=True)


def test_staff_unlock_in_the_admin(client, customer, django_user_model):
    for _ in range(5):
        portal(client, customer.username, "wrong")
    assert_locked(portal(client, customer.username, PASSWORD))
    staff_client = type(client)()
    staff_client.force_login(django_user_model.objects.create_superuser("root", "root@example.com", PASSWORD))
    listing = staff_client.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200 and customer.username in listing.content.decode()
    attempt = AccessAttempt.objects.get()
    response = staff_client.post("/admin/axes/accessattempt/", {
        "action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"})
    assert response.status_code == 302 and not AccessAttempt.objects.exists()
    assert portal(client, customer.username, PASSWORD).status_code == 302


def test_a_password_reset_lifts_the_lockout(client, customer):
    import re

    from notifications.models import Notification

    for _ in range(5):
        portal(client, customer.username, "wrong")
    assert_locked(portal(client, customer.username, PASSWORD))
    client.post("/accounts/password/reset/", {"email": customer.email})
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", Notification.objects.get().body_text).group(1)
    form = client.get(link, follow=True)
    client.post(form.redirect_chain[-1][0], {"password1": "a-new-long-passphrase-42",
                                             "password2": "a-new-long-passphrase-42"})
    assert portal(client, customer.username, "a-new-long-passphrase-42").status_code == 302

"""allauth's own rate limits (ACCOUNT_RATE_LIMITS: the portal sign-in, password reset) key on the
client's address by the same NUM_PROXIES rule as DRF's throttles and django-axes
(common/client_ip.py). Behind a proxy, allauth's stock rule (ALLAUTH_TRUSTED_PROXY_COUNT, 0 unless
set) would see every client as the proxy: one bucket for the whole customer base."""
import pytest

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


@pytest.fixture(autouse=True)
def _two_logins_a_minute(settings):
    settings.ACCOUNT_RATE_LIMITS = {"login": "2/m/ip", "login_failed": None}
    settings.AXES_ENABLED = False  # the lockout is tested in test_login_lockout.py


def attempt(client, forwarded, n):
    # Distinct unknown usernames: only allauth's per-address limit can answer 429.
    return client.post(LOGIN, {"username": f"nobody-{n}", "password": "guess"},
                       REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)


def test_behind_one_proxy_two_clients_do_not_share_the_login_rate_limit(client, settings):
    settings.NUM_PROXIES = 1
    for n in range(2):
        assert attempt(client, "203.0.113.7", n).status_code == 200  # the form again, with its error
    assert attempt(client, "203.0.113.7", 3).status_code == 429
    assert attempt(client, "198.51.100.9", 4).status_code == 200  # a neighbour behind the same proxy


def test_behind_one_proxy_a_client_cannot_escape_the_limit_by_writing_x_forwarded_for(client, settings):
    settings.NUM_PROXIES = 1
    for n in range(2):
        attempt(client, f"192.0.2.{n}, 203.0.113.7", n)
    assert attempt(client, "192.0.2.99, 203.0.113.7", 3).status_code == 429


def test_without_proxies_x_forwarded_for_is_ignored(client, settings):
    settings.NUM_PROXIES = 0
    for n in range(2):
        attempt(client, f"198.51.100.{n}", n)
    assert attempt(client, "198.51.100.99", 3).status_code == 429


def test_behind_two_proxies_a_short_header_is_no_server_error(client, settings):
    # allauth's own rule raises ImproperlyConfigured (a 500) when X-Forwarded-For has fewer
    # entries than trusted proxies; ours takes the first entry.
    settings.NUM_PROXIES = 2
    assert attempt(client, "203.0.113.7", 0).status_code == 200

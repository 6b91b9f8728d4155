"""Issue 11 item 2: a client cannot pick its own address with X-Forwarded-For. The header is
believed only as far as NUM_PROXIES trusted proxies wrote it (aragora_support/client_ip.py)."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import RequestFactory

from common.client_ip import client_ip

TOKEN_URL = "/api/v1/auth/token/"
GUESS = {"username": "initech-member", "password": "guess"}


@pytest.mark.django_db
def test_token_guesses_are_throttled_whatever_x_forwarded_for_they_carry(api, customer, settings):
    # The default configuration: no proxy trusted. The throttle alone (the lockout, which would
    # answer first after five failures, is tested in test_login_lockout.py).
    settings.AXES_ENABLED = False
    for n in range(20):
        response = api.post(TOKEN_URL, GUESS, format="json", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
        assert response.status_code == 400
    response = api.post(TOKEN_URL, GUESS, format="json", HTTP_X_FORWARDED_FOR="198.51.100.99")
    assert response.status_code == 429 and "throttled" in response.json()["detail"]


@pytest.mark.django_db
def test_behind_one_proxy_the_address_it_appended_is_the_client(api, customer, settings):
    settings.NUM_PROXIES = 1
    for n in range(20):  # the client varies what it writes; the proxy appends what it saw
        api.post(TOKEN_URL, GUESS, format="json", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}, 203.0.113.7")
    blocked = api.post(TOKEN_URL, GUESS, format="json", HTTP_X_FORWARDED_FOR="10.9.9.9, 203.0.113.7")
    assert blocked.status_code == 429
    neighbour = api.post(TOKEN_URL, GUESS, format="json", HTTP_X_FORWARDED_FOR="10.0.0.1, 203.0.113.8")
    assert neighbour.status_code == 400  # another client behind the same proxy has its own allowance


@pytest.mark.parametrize("hops, forwarded, expected", [
    (0, "203.0.113.7", "192.0.2.1"),                       # no proxy trusted: the header is ignored
    (0, None, "192.0.2.1"),
    (1, None, "192.0.2.1"),                                # no header: the socket's peer
    (1, "203.0.113.7", "203.0.113.7"),
    (1, "spoofed, 203.0.113.7", "203.0.113.7"),
    (2, "spoofed, 203.0.113.7, 10.0.0.2", "203.0.113.7"),  # the outer proxy's entry, not the inner's
    (2, "203.0.113.7", "203.0.113.7"),                     # fewer entries than proxies: the first
    (1, " 2001:db8::1 ", "2001:db8::1"),
    (1, "203.0.113.7, not-an-address", "192.0.2.1"),       # garbage never becomes a key
    (1, "203.0.113.7, " + "9" * 5000, "192.0.2.1"),
    (1, ",,", "192.0.2.1"),
])
def test_client_ip_believes_only_what_trusted_proxies_wrote(settings, hops, forwarded, expected):
    settings.NUM_PROXIES = hops
    meta = {"REMOTE_ADDR": "192.0.2.1"}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    assert client_ip(RequestFactory().get("/", **meta)) == expected


def _settings_with(num_proxies: str | None) -> subprocess.CompletedProcess:
    code = ("import django; from django.conf import settings; django.setup(); "
            "print(settings.NUM_PROXIES, settings.REST_FRAMEWORK['NUM_PROXIES'])")
    environ = {k: v for k, v in os.environ.items() if k != "NUM_PROXIES"}
    environ["DJANGO_SETTINGS_MODULE"] = "aragora_support.settings"
    if num_proxies is not None:
        environ["NUM_PROXIES"] = num_proxies
    return subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[2], env=environ,
                          capture_output=True, text=True, timeout=60)


def test_num_proxies_is_read_from_the_environment_and_defaults_to_none_trusted():
    default = _settings_with(None)
    assert default.stdout.split() == ["0", "0"], default.stderr
    assert _settings_with("2").stdout.split() == ["2", "2"]
    refused = _settings_with("-1")
    assert refused.returncode != 0 and "NUM_PROXIES" in refused.stderr

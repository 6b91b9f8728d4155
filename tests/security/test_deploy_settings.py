"""Hardening from the environment (issue 11.12): the documented production variables pass
`check --deploy`; without SECRET_KEY and with DEBUG off nothing starts; the demo gets a key of its
own, never a published one."""
import stat

import pytest

from .support import documented_production_env, run_django, settings_in

PUBLISHED_DEMO_KEY = "dev-only-insecure-key-change-me-in-production"  # the key before this change


def test_check_deploy_with_the_documented_production_variables_prints_no_warning(tmp_path):
    result = run_django(["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                        documented_production_env(), tmp_path / "var")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output and "WARNINGS" not in output


def test_check_deploy_warns_when_the_hardening_variables_are_left_out(tmp_path):
    env = documented_production_env()
    for name in ("SECURE_HSTS_SECONDS", "SITE_URL"):
        env.pop(name)
    output = run_django(["manage.py", "check", "--deploy"], env, tmp_path / "var").stderr
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in output


@pytest.mark.parametrize("entry", [
    ["-c", "import aragora_support.wsgi"],  # what gunicorn does first
    ["manage.py", "runserver", "--noreload", "127.0.0.1:0"],
    ["manage.py", "check"],
])
def test_nothing_starts_without_secret_key_when_debug_is_off(tmp_path, entry):
    result = run_django(entry, {"DEBUG": "0"}, tmp_path / "var", timeout=60)
    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY is not set" in result.stderr


def test_the_demo_without_secret_key_gets_a_random_key_of_its_own_kept_in_the_var_dir(tmp_path):
    first = settings_in({"ARAGORA_DEMO": "1"}, tmp_path / "a", "SECRET_KEY")["SECRET_KEY"]
    again = settings_in({"ARAGORA_DEMO": "1"}, tmp_path / "a", "SECRET_KEY")["SECRET_KEY"]
    elsewhere = settings_in({"DEBUG": "1"}, tmp_path / "b", "SECRET_KEY")["SECRET_KEY"]
    assert first == again, "sessions must survive a restart of make run"
    assert first != elsewhere and len(first) >= 50 and PUBLISHED_DEMO_KEY not in (first, elsewhere)
    assert stat.S_IMODE((tmp_path / "a" / "secret_key").stat().st_mode) == 0o600


def test_secret_key_from_the_environment_wins_over_the_demo_key(tmp_path):
    assert settings_in({"ARAGORA_DEMO": "1", "SECRET_KEY": "k" * 60}, tmp_path, "SECRET_KEY") == {"SECRET_KEY": "k" * 60}
    assert not (tmp_path / "secret_key").exists()


def test_https_site_url_turns_on_secure_cookies_and_the_redirect_and_each_can_be_set(tmp_path):
    names = ("SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS",
             "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD", "SECURE_PROXY_SSL_HEADER")
    demo = settings_in({"ARAGORA_DEMO": "1"}, tmp_path, *names)
    assert demo == dict.fromkeys(names[:3], False) | {"SECURE_HSTS_SECONDS": 0, "SECURE_HSTS_INCLUDE_SUBDOMAINS": False,
                                                      "SECURE_HSTS_PRELOAD": False, "SECURE_PROXY_SSL_HEADER": None}
    https = settings_in({"ARAGORA_DEMO": "1", "SITE_URL": "https://support.example.com"}, tmp_path, *names[:3])
    assert https == dict.fromkeys(names[:3], True)
    chosen = settings_in({"ARAGORA_DEMO": "1", "SITE_URL": "https://support.example.com", "CSRF_COOKIE_SECURE": "0",
                          "SECURE_HSTS_SECONDS": "600", "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO,https"},
                         tmp_path, "CSRF_COOKIE_SECURE", "SECURE_HSTS_SECONDS", "SECURE_PROXY_SSL_HEADER")
    assert chosen == {"CSRF_COOKIE_SECURE": False, "SECURE_HSTS_SECONDS": 600,
                      "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"]}


@pytest.mark.parametrize("name, value, message", [
    ("SECURE_PROXY_SSL_HEADER", "X-Forwarded-Proto", "SECURE_PROXY_SSL_HEADER must be like HTTP_X_FORWARDED_PROTO,https"),
    ("SITE_URL", "support.example.com", "SITE_URL must be like https://support.example.com"),
    ("SITE_URL", "https://support.example.com/portal", "SITE_URL must be like https://support.example.com"),
    ("CSP_MODE", "strict", "CSP_MODE must be enforce, report-only or off"),
])
def test_a_malformed_hardening_variable_stops_the_start_with_its_name(tmp_path, name, value, message):
    result = run_django(["manage.py", "check"], {"ARAGORA_DEMO": "1", name: value}, tmp_path, timeout=60)
    assert result.returncode != 0 and message in result.stderr


def test_site_url_defaults_to_the_port_the_demo_serves(tmp_path):
    assert settings_in({"ARAGORA_DEMO": "1", "PORT": "8101"}, tmp_path, "SITE_URL") == {"SITE_URL": "http://127.0.0.1:8101"}
    assert settings_in({"ARAGORA_DEMO": "1"}, tmp_path, "SITE_URL") == {"SITE_URL": "http://127.0.0.1:8000"}
    assert settings_in({"ARAGORA_DEMO": "1", "SITE_URL": "https://help.example.org/"}, tmp_path,
                       "SITE_URL") == {"SITE_URL": "https://help.example.org"}


def test_csp_mode_report_only_reports_instead_of_enforcing_and_off_removes_it(tmp_path):
    names = ("CONTENT_SECURITY_POLICY", "CONTENT_SECURITY_POLICY_REPORT_ONLY", "MIDDLEWARE")
    report = settings_in({"ARAGORA_DEMO": "1", "CSP_MODE": "report-only", "CSP_REPORT_URI": "/csp-reports/"},
                         tmp_path, *names)
    assert report["CONTENT_SECURITY_POLICY"] is None
    assert report["CONTENT_SECURITY_POLICY_REPORT_ONLY"]["DIRECTIVES"]["report-uri"] == "/csp-reports/"
    off = settings_in({"ARAGORA_DEMO": "1", "CSP_MODE": "off"}, tmp_path, *names)
    assert off["CONTENT_SECURITY_POLICY"] is None and off["CONTENT_SECURITY_POLICY_REPORT_ONLY"] is None
    assert "csp.middleware.CSPMiddleware" not in off["MIDDLEWARE"]

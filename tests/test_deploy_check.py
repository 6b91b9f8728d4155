"""`manage.py check --deploy` is clean with the production environment documented in
docs/deploy.md ("Production environment"), and that block is true: every variable in it is one
the app reads, it agrees with README's "Production" block, and it gives the secure settings it
promises. Each environment runs in a fresh process (settings are read once per process)."""
import re
import secrets
from pathlib import Path

from tests.security.support import documented_production_env, run_django, settings_in

ROOT = Path(__file__).resolve().parents[1]


def production_block() -> dict:
    """docs/deploy.md's variables; a placeholder (`<...>`) becomes a fresh random secret."""
    section = (ROOT / "docs" / "deploy.md").read_text().split("\n## Production environment\n", 1)[1]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    env = dict(re.findall(r"^([A-Z][A-Z0-9_]*)=(\S+)", block, flags=re.MULTILINE))
    return {name: secrets.token_urlsafe(50) if value.startswith("<") else value for name, value in env.items()}


def test_check_deploy_fails_on_no_warning_with_the_documented_production_environment(tmp_path):
    env = production_block()
    assert env["DEBUG"] == "0" and "ARAGORA_DEMO" not in env  # production, not the embedded demo
    result = run_django(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env, tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues (0 silenced)" in output, output


def test_check_deploy_fails_when_a_documented_hardening_variable_is_dropped(tmp_path):
    env = production_block()
    del env["SECURE_HSTS_SECONDS"]
    result = run_django(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env, tmp_path)
    assert result.returncode != 0 and "security.W004" in result.stderr


def test_the_documented_production_environment_gives_the_secure_settings_it_promises(tmp_path):
    names = ("DEBUG", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS",
             "SECURE_PROXY_SSL_HEADER", "SITE_URL", "METRICS_TOKEN", "NUM_PROXIES", "NOTIFICATION_QUEUE", "REPORT_QUEUE")
    env = production_block()
    got = settings_in(env, tmp_path, *names)
    assert got["DEBUG"] is False
    assert got["SESSION_COOKIE_SECURE"] and got["CSRF_COOKIE_SECURE"] and got["SECURE_SSL_REDIRECT"]
    assert got["SECURE_HSTS_SECONDS"] >= 31536000 and got["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert got["SITE_URL"].startswith("https://") and len(got["METRICS_TOKEN"]) >= 32
    assert got["NUM_PROXIES"] == 1 and got["NOTIFICATION_QUEUE"] and got["REPORT_QUEUE"]


def test_every_documented_production_variable_is_one_the_app_reads():
    source = "\n".join(p.read_text() for p in (ROOT / "aragora_support").glob("*.py"))
    unread = [name for name in production_block() if f'"{name}"' not in source]
    assert not unread, f"docs/deploy.md names variables nothing reads: {unread}"


def test_readme_production_block_agrees_with_docs_deploy():
    docs, readme = production_block(), documented_production_env()
    differ = {name: value for name, value in readme.items()
              if name not in docs or (not value.startswith("<") and name != "SECRET_KEY" and docs[name] != value)}
    assert not differ, f"README's Production block says otherwise than docs/deploy.md: {differ}"

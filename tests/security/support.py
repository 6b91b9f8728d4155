"""Run Django in a fresh process with exactly the environment a test gives (settings are read
once per process, so each variant of the environment needs a process of its own)."""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Nothing of the test run's own configuration (ARAGORA_DEMO, DATABASE_URL, ...) leaks in.
BASE_ENV = {name: os.environ[name] for name in ("PATH", "HOME", "LANG", "TMPDIR") if name in os.environ}


def run_django(args: list[str], env: dict, var_dir: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {**BASE_ENV, "DJANGO_SETTINGS_MODULE": "aragora_support.settings", "ARAGORA_VAR_DIR": str(var_dir), **env}
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout)


def settings_in(env: dict, var_dir: Path, *names: str) -> dict:
    code = ("import json; from django.conf import settings; "
            f"print(json.dumps({{n: getattr(settings, n, None) for n in {list(names)!r}}}, default=repr))")
    result = run_django(["-c", code], env, var_dir)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def documented_production_env() -> dict:
    """The variables in README's "Production" block, with a freshly made SECRET_KEY."""
    import secrets

    readme = (ROOT / "README.md").read_text()
    section = readme.split("\n## Production\n", 1)[1]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    env = dict(re.findall(r"^([A-Z][A-Z0-9_]*)=(\S+)", block, flags=re.MULTILINE))
    assert "SECRET_KEY" in env, "README's Production block must name SECRET_KEY"
    env["SECRET_KEY"] = secrets.token_urlsafe(50)
    return env

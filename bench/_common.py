"""Shared plumbing for the benchmarks: a PostgreSQL database of their own, scale data, a server."""
import os
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def django_env(database_url: str, **extra) -> dict:
    env = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "0", "ARAGORA_DEMO": "1", "LOG_LEVEL": "WARNING",
           "DJANGO_SETTINGS_MODULE": "aragora_support.settings", **extra}
    return env


def ensure_database(database_url: str) -> None:
    import psycopg

    name = database_url.rsplit("/", 1)[1]
    admin_url = database_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def manage(env: dict, *args: str, capture=False) -> str:
    result = subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True,
                            capture_output=capture, text=True)
    return result.stdout if capture else ""


def shell(env: dict, code: str) -> str:
    return manage(env, "shell", "-v", "0", "-c", code, capture=True).strip()


def ensure_scale_data(env: dict, orgs: int, tickets: int) -> None:
    have = int(shell(env, "from tickets.models import Ticket; print(Ticket.objects.count())") or 0)
    if have >= tickets:
        print(f"data: {have} tickets already present")
        return
    started = time.monotonic()
    manage(env, "seed_demo", "--orgs", str(orgs), "--tickets", str(tickets - have))
    manage(env, "shell", "-c", "from django.db import connection; connection.cursor().execute('VACUUM ANALYZE')")
    print(f"data: seeded {tickets - have} tickets in {time.monotonic() - started:.1f} s")


@contextmanager
def gunicorn(env: dict, port: int, workers: int):
    process = subprocess.Popen(
        [str(Path(PYTHON).parent / "gunicorn"), "aragora_support.wsgi", "-b", f"127.0.0.1:{port}",
         "-w", str(workers), "--log-level", "warning"], cwd=ROOT, env=env)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/bench/trivial", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn did not start")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=20)


def wrk(url: str, *, connections: int, seconds: int, threads: int = 2, headers: dict | None = None) -> dict:
    """Run wrk (Debian package `wrk`) and return requests/s, p50 and p99 in ms, errors."""
    cmd = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "--latency", url]
    for key, value in (headers or {}).items():
        cmd[1:1] = ["-H", f"{key}: {value}"]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    result = {"errors": 0}
    for line in out.splitlines():
        parts = line.split()
        if line.startswith("Requests/sec:"):
            result["rps"] = float(parts[1])
        elif parts[:1] == ["50%"]:
            result["p50_ms"] = _ms(parts[1])
        elif parts[:1] == ["99%"]:
            result["p99_ms"] = _ms(parts[1])
        elif "Non-2xx or 3xx responses" in line:
            result["errors"] += int(parts[-1])
        elif line.strip().startswith("Socket errors"):
            result["errors"] += sum(int(p.rstrip(",")) for p in parts if p.rstrip(",").isdigit())
    return result


def _ms(value: str) -> float:
    for suffix, factor in (("us", 0.001), ("ms", 1.0), ("s", 1000.0)):
        if value.endswith(suffix):
            return float(value[: -len(suffix)]) * factor
    raise ValueError(value)

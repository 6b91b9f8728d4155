#!/usr/bin/env python
"""/healthz, /readyz and /metrics through gunicorn (2 workers, multiprocess metrics), one request
at a time over loopback: p50, p99 and max in ms. Then /readyz with the broker pointed at a closed
port (it must answer 503 naming "broker" as fast), and the request counter summed over both
workers. Target (issue 17): each probe under 50 ms.

    .venv/bin/python bench/probes.py [--requests 200] [--redis redis://127.0.0.1:6379/11]

Needs PostgreSQL on 127.0.0.1:5432 and Redis. Creates (once) and migrates the database
`aragora_bench_probes`; the heartbeats are written fresh before each run.
"""
import argparse
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import PYTHON, django_env, ensure_database, manage, shell  # noqa: E402

TOKEN = "bench-token"
FRESH = ("from django.utils import timezone; from accounts.models import Heartbeat; "
         "[Heartbeat.objects.update_or_create(name=n, defaults={'seen_at': timezone.now()}) for n in ('worker', 'beat')]")


def get(url, headers=None):
    request = urllib.request.Request(url, headers=headers or {})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read()
    return status, body, (time.perf_counter() - started) * 1000


def measure(base, path, n, headers=None):
    for _ in range(10):  # warm-up: each worker imports the URLconf on its first request
        get(base + path, headers)
    times, statuses, body, slowest = [], set(), b"", (0.0, b"")
    for _ in range(n):
        status, body, ms = get(base + path, headers)
        times.append(ms)
        statuses.add(status)
        slowest = max(slowest, (ms, body))
    times.sort()
    print(f"{path:10} status {sorted(statuses)}  p50 {statistics.median(times):6.2f} ms  "
          f"p99 {times[int(len(times) * 0.99) - 1]:6.2f} ms  max {times[-1]:6.2f} ms")
    if path == "/readyz":
        print("           slowest:", slowest[1].decode()[:400])
    return body


def serve(env, port):
    process = subprocess.Popen(
        [str(Path(PYTHON).parent / "gunicorn"), "aragora_support.wsgi",
         "-b", f"127.0.0.1:{port}", "-w", "2", "--log-level", "warning"], cwd=ROOT, env=env)
    for _ in range(100):
        try:
            if get(f"http://127.0.0.1:{port}/healthz")[0] == 200:
                return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError("gunicorn did not start")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/aragora_bench_probes")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/11", help="broker; the cache is the next db")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--port", type=int, default=8731)
    args = parser.parse_args()

    ensure_database(args.database_url)
    base_redis, db = args.redis.rsplit("/", 1)
    with tempfile.TemporaryDirectory() as metrics_dir:
        env = django_env(args.database_url, CELERY_BROKER_URL=args.redis, CACHE_URL=f"{base_redis}/{int(db) + 1}",
                         METRICS_TOKEN=TOKEN, PROMETHEUS_MULTIPROC_DIR=metrics_dir)
        manage(env, "migrate", "-v", "0")
        base = f"http://127.0.0.1:{args.port}"
        auth = {"Authorization": f"Bearer {TOKEN}"}

        print(f"ready: broker {args.redis}, {args.requests} requests each")
        shell(env, FRESH)
        process = serve(env, args.port)
        try:
            measure(base, "/healthz", args.requests)
            print("          ", measure(base, "/readyz", args.requests).decode()[:300])
            measure(base, "/metrics", args.requests, auth)
            page = get(base + "/metrics", auth)[1].decode()
            total = [line for line in page.splitlines()
                     if line.startswith('django_http_requests_total_by_method_total{method="GET"}')]
            print(f"GET requests counted over both workers: {total} (sent: about {3 * (args.requests + 10) + 2})")
        finally:
            process.terminate()
            process.wait(timeout=20)

        print("\nbroker unreachable (redis://127.0.0.1:1/0)")
        env["CELERY_BROKER_URL"] = "redis://127.0.0.1:1/0"
        shell(env, FRESH)
        process = serve(env, args.port)
        try:
            print("          ", measure(base, "/readyz", args.requests).decode()[:300])
        finally:
            process.terminate()
            process.wait(timeout=20)


if __name__ == "__main__":
    main()

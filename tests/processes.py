"""Helpers for tests that start other processes (Celery workers) on the test database."""
import time

from django.db import connection


def database_url() -> str:
    """The URL of the database this test runs on (the test database), for a worker process."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def wait_until(condition, *, timeout: float = 60, every: float = 0.2) -> bool:
    """Polls `condition` until it holds or `timeout` seconds pass (a condition with a deadline, not
    a fixed sleep: a busy machine only makes it take longer). Returns whether it held."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() >= deadline:
            return False
        time.sleep(every)
    return True

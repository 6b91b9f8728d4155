"""The secret key of the embedded demo: random, made once per var directory, never published.

Only the demo (`make run`, the test suite) and DEBUG use it; production sets SECRET_KEY and the
settings refuse to start without it."""
import os
import secrets
from pathlib import Path


def local_secret_key(path: Path) -> str:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}.{os.getpid()}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(50))
        try:
            # The web server, worker and beat may start together on a fresh var dir: the first
            # link wins and every process reads the same key.
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()

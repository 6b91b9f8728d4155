"""`make run` (scripts/run-dev.sh): it serves the port it prints, and one Ctrl-C stops the web
server, the Celery worker and beat, every process of them, within 10 seconds (issue 12.12)."""
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.worker

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _session_processes(session: int) -> list[str]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[3]) == session and fields[0] != "Z":
                found.append((entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()[:100])
        except (OSError, ValueError, IndexError):
            continue
    return found


def _answers(url: str) -> bool:
    try:
        return urllib.request.urlopen(url, timeout=2).status == 200
    except OSError:
        return False


def _wait_for(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


@pytest.fixture
def silent_imap_server():
    """A mailbox host that accepts connections and never greets: polling it hangs for its timeout."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        yield server.getsockname()[1]


def _default_sigint():
    # A suite started in the background by a non-interactive shell (`make test &`, nohup) inherits
    # SIGINT ignored, and bash cannot trap a signal ignored on entry: the script must start as a
    # terminal would start it, with SIGINT at its default.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_run_dev_serves_the_port_it_prints_and_one_ctrl_c_stops_all_of_it_within_10_seconds(tmp_path,
                                                                                             silent_imap_server):
    port = _free_port()
    var = tmp_path / "var"
    # The embedded defaults make run uses, whatever database and broker this test run is on.
    mailbox = {"name": "support", "host": "127.0.0.1", "port": silent_imap_server, "ssl": False, "user": "u",
               "password": "p", "timeout": 60}
    env = {**os.environ, "PORT": str(port), "BIN": str(Path(sys.executable).parent), "DEBUG": "0",
           "ARAGORA_DEMO": "1", "ARAGORA_VAR_DIR": str(var), "DATABASE_URL": f"sqlite:///{var}/db.sqlite3",
           "CELERY_BROKER_URL": "filesystem://", "CACHE_URL": "locmemcache://",
           "IMAP_MAILBOXES": json.dumps([mailbox])}
    out = tmp_path / "run-dev.out"
    # A session of its own, as a terminal runs it: Ctrl-C is SIGINT to the whole foreground group.
    script = subprocess.Popen(["bash", "scripts/run-dev.sh"], cwd=ROOT, env=env,
                                            stdout=out.open("w"), stderr=subprocess.STDOUT,
                                            start_new_session=True, preexec_fn=_default_sigint)
    try:
        _wait_for(lambda: f"Portal: http://127.0.0.1:{port}/" in out.read_text(), 60, "the printed URL")
        _wait_for(lambda: _answers(f"http://127.0.0.1:{port}/bench/trivial"), 60, "the web server on that port")
        celery_log = var / "celery.log"
        _wait_for(lambda: celery_log.exists() and "ready." in celery_log.read_text()
                  and "beat: Starting" in celery_log.read_text(), 90, "the worker and beat")
        running = _session_processes(script.pid)
        assert len(running) >= 4, running  # the script, runserver (two), worker (+ pool), beat
        # A task that hangs for a minute is running: a warm shutdown would wait for it.
        subprocess.run([sys.executable, "-c", "from aragora_support.celery import app; "
                        "app.send_task('email_intake.tasks.poll_mailboxes')"], cwd=ROOT, env=env, check=True)
        _wait_for(lambda: "email_intake.tasks.poll_mailboxes[" in celery_log.read_text(), 30, "the task to start")

        started = time.monotonic()
        os.killpg(script.pid, signal.SIGINT)
        _wait_for(lambda: not _session_processes(script.pid) or time.monotonic() - started > 15, 20, "the stop")
        elapsed = time.monotonic() - started
        print(f"stopped in {elapsed:.1f} s")
        assert _session_processes(script.pid) == []
        assert elapsed < 10
        assert script.wait(timeout=5) == 0 and "Stopped." in out.read_text()
        assert "killed" not in out.read_text(), "the stop needed SIGKILL"
    finally:
        for pid in (int(p) for p in os.listdir("/proc") if p.isdigit()):
            try:
                if os.getsid(pid) == script.pid:
                    os.kill(pid, signal.SIGKILL)
            except OSError:
                pass

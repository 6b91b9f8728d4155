"""Stand-ins for the outside world: a provider HTTP server (Slack's Web API and the pager
webhook), a private Redis, and real Celery worker processes."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.processes import database_url

ROOT = Path(__file__).resolve().parents[2]


def wait_until(condition, timeout: float = 30, interval: float = 0.1, message: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {message}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "_Server"

    def log_message(self, *args):
        pass

    def do_POST(self):
        stub = self.server.stub
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            payload = json.loads(body or b"{}")
        except ValueError:
            payload = {"_raw": body.decode(errors="replace")}
        record = {"path": self.path, "headers": dict(self.headers), "json": payload, "completed": False}
        with stub.lock:
            stub.requests.append(record)
            number = len(stub.requests)
            fail = stub.fail_next > 0
            if fail:
                stub.fail_next -= 1
        stub.arrived.set()
        if stub.block_first and number == 1:
            # A provider that never answers: the sender is killed while waiting for it.
            stub.release.wait(timeout=60)
            self.close_connection = True
            return
        if self.path.startswith("/slack/"):
            if fail:
                answer, status = {"ok": False, "error": "channel_not_found"}, 200
            else:
                answer, status = {"ok": True, "channel": payload.get("channel"), "ts": f"1700000000.{number:06d}"}, 200
        else:
            if fail:
                answer, status = {"status": "error", "message": "down for maintenance"}, 503
            else:
                answer, status = {"status": "success", "dedup_key": payload.get("dedup_key")}, 202
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()
        record["completed"] = status < 300 and answer.get("ok", True) is not False


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    stub: "ProviderStub"


class ProviderStub:
    """Slack's Web API under /slack/api/ and a pager webhook under /pager/, on 127.0.0.1.

    `requests` records every request; a request is `completed` once the stub has answered it
    with success. `block_first` leaves the first request unanswered until `release` is set.
    """

    def __init__(self):
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        self.fail_next = 0
        self.block_first = False
        self.arrived = threading.Event()
        self.release = threading.Event()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.stub = self
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def slack_url(self) -> str:
        return f"{self.base_url}/slack/api/"

    @property
    def pager_url(self) -> str:
        return f"{self.base_url}/pager/enqueue"

    def completed(self, prefix: str = "/") -> list[dict]:
        with self.lock:
            return [r for r in self.requests if r["completed"] and r["path"].startswith(prefix)]

    def close(self):
        self.release.set()
        self._server.shutdown()
        self._server.server_close()


class RedisServer:
    """A private redis-server on a free port, to stop and start without touching the machine's."""

    def __init__(self, workdir: Path):
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def start(self):
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_until(self.ping, timeout=10, interval=0.05, message=f"redis-server on port {self.port}")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


class Workers:
    """Real Celery worker processes on a queue of the test's own; all are stopped at teardown."""

    def __init__(self, tmp_path: Path, broker_url: str, env: dict):
        self.queue = f"notif-test-{uuid.uuid4().hex[:8]}"
        self.tmp_path = tmp_path
        self.broker_url = broker_url
        self.env = env
        self.processes: list[tuple[subprocess.Popen, object]] = []

    def start(self, **env) -> subprocess.Popen:
        number = len(self.processes) + 1
        log = open(self.tmp_path / f"worker-{number}.log", "w+")
        full_env = {**os.environ, "DATABASE_URL": database_url(), "CELERY_BROKER_URL": self.broker_url,
                    "NOTIFICATION_QUEUE": self.queue, **self.env, **env}
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "aragora_support", "worker", "-Q", self.queue, "--pool", "solo",
             "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "INFO",
             "-n", f"{self.queue}-{number}@%h"],
            cwd=ROOT, env=full_env, stdout=log, stderr=subprocess.STDOUT,
        )
        self.processes.append((process, log))
        return process

    def kill(self, process: subprocess.Popen):
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def stop_all(self):
        for process, log in self.processes:
            if process.poll() is None:
                # The tests wait for what they need before teardown, so a short grace is enough
                # (a warm shutdown idles for seconds on the filesystem transport).
                process.terminate()
                try:
                    process.wait(timeout=1)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            log.seek(0)
            print(f"--- worker pid {process.pid} (exit {process.returncode}) ---\n{log.read()[-3000:]}")
            log.close()
        self.processes = []

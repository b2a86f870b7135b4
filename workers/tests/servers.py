"""Real HTTP servers for tests: the worker as a subprocess, helper apps (fake assistants, catalog, connector)
in uvicorn on a background thread. Every server binds 127.0.0.1 on an ephemeral port."""
from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import uvicorn

WORKERS_DIR = Path(__file__).resolve().parent.parent
PYTHON = "/usr/bin/python3" if Path("/usr/bin/python3").exists() else sys.executable


def wait_for(predicate, timeout: float = 15.0, interval: float = 0.05, what: str = "condition"):
    """Polls `predicate` until it returns a truthy value; fails the test at the deadline."""
    end = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


@contextlib.contextmanager
def serve_app(app):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)  # TCP_NODELAY, see __main__
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    wait_for(lambda: server.started, what="helper server start")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


class WorkerProcess:
    def __init__(self, env: dict[str, str]):
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("WORKER_")}
        full_env.update(env)
        self.proc = subprocess.Popen([PYTHON, "-m", "nexus_worker", "--host", "127.0.0.1", "--port", "0"],
                                     cwd=WORKERS_DIR, env=full_env, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if "listening on" not in line:
            self.proc.kill()
            raise AssertionError(f"worker did not start: {line!r} {self.proc.stderr.read()[-2000:]}")
        self.url = line.strip().rsplit(" ", 1)[-1]
        self.client = httpx.Client(base_url=self.url, timeout=10)
        wait_for(lambda: self._ready(), what="worker readiness")
        self.stderr_lines: list[str] = []
        self._drain = threading.Thread(target=self._read_stderr, daemon=True)
        self._drain.start()

    def _read_stderr(self):
        for line in self.proc.stderr:
            self.stderr_lines.append(line)

    def _ready(self) -> bool:
        try:
            return self.client.get("/readyz").status_code == 200
        except httpx.TransportError:
            return False

    def terminate(self) -> None:
        self.proc.send_signal(signal.SIGTERM)

    def stop(self) -> None:
        self.client.close()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.send_signal(signal.SIGINT)  # second signal: immediate exit
                try:
                    self.proc.wait(5)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()


class AssistantProcess:
    """`python3 -m nexus_demo.assistant` as a subprocess. Started at construction, waited for by `ready()`,
    so a test can start a worker on the same database file while it seeds."""

    def __init__(self, env: dict[str, str]):
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("WORKER_")}
        full_env.update(env)
        self.proc = subprocess.Popen([PYTHON, "-m", "nexus_demo.assistant", "--host", "127.0.0.1",
                                      "--port", "0"], cwd=WORKERS_DIR, env=full_env, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True)
        self.url = ""
        self.client: httpx.Client | None = None

    def read_url(self) -> str:
        """The URL it prints as it binds (before it seeds its database)."""
        if not self.url:
            line = self.proc.stdout.readline()
            if not line.startswith("nexus-demo-assistant listening on http://127.0.0.1:"):
                self.proc.kill()
                raise AssertionError(f"demo assistant did not start: {line!r}")
            self.url = line.strip().rsplit(" ", 1)[-1]
            self.client = httpx.Client(base_url=self.url, timeout=10)
        return self.url

    def ready(self) -> "AssistantProcess":
        self.read_url()

        def healthy() -> bool:
            try:
                return self.client.get("/healthz").status_code == 200
            except httpx.TransportError:
                return False
        wait_for(healthy, what="demo assistant health")
        return self

    def stop(self) -> None:
        if self.client is not None:
            self.client.close()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

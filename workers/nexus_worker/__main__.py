"""`python3 -m nexus_worker [--host H] [--port P]`: serves the worker and prints its URL on stdout.

Port 0 picks a free port. SIGTERM drains: readiness turns 503, new jobs get 503 SHUTTING_DOWN, polls keep being
answered while in-flight jobs finish, for up to WORKER_SHUTDOWN_GRACE_SECONDS; jobs still running then are
failed with WORKER_SHUTDOWN (retryable), kept visible for WORKER_SHUTDOWN_LINGER_SECONDS, and the process exits.
A second SIGTERM or SIGINT exits at once.
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import sys

import uvicorn

from . import logs
from .app import create_app
from .config import ConfigError
from .logs import LOG_CONFIG
from .serving import listen_socket

log = logging.getLogger("nexus_worker.main")


class DrainingServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, app):
        super().__init__(config)
        self.worker_app = app
        self._drain_task = None

    def handle_exit(self, sig, frame) -> None:
        if self._drain_task is not None or self.worker_app.state.runner is None:
            return super().handle_exit(sig, frame)
        self._drain_task = asyncio.get_event_loop().create_task(self._drain())

    async def _drain(self) -> None:
        app = self.worker_app
        runner = app.state.runner
        settings = app.state.settings
        runner.begin_drain()
        app.state.ready = False
        log.info("draining", extra={"in_flight": runner.in_flight(), "grace_seconds": settings.shutdown_grace_seconds})
        idle = await asyncio.to_thread(runner.wait_idle, settings.shutdown_grace_seconds)
        if not idle:
            failed = runner.fail_running("WORKER_SHUTDOWN", "the worker shut down before the job finished")
            log.info("grace period over", extra={"failed_in_flight": failed})
        await asyncio.sleep(settings.shutdown_linger_seconds)  # let the operator read the final states
        self.should_exit = True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="nexus_worker")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    args = parser.parse_args(argv)
    logs.configure()
    try:
        app = create_app()  # reads the environment
    except ConfigError as exc:
        print(f"nexus-worker: {exc}", file=sys.stderr)
        return 2
    sock, url = listen_socket(args.host, args.port)
    config = uvicorn.Config(app, log_config=LOG_CONFIG, timeout_keep_alive=5, lifespan="on")
    server = DrainingServer(config, app)
    print(f"nexus-worker listening on {url}", flush=True)
    server.run(sockets=[sock])
    return 0


if __name__ == "__main__":
    sys.exit(main())

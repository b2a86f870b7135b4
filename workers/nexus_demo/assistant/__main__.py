"""`python3 -m nexus_demo.assistant [--host H] [--port P]`: serves the demo assistant and prints its URL.

Reads the same data settings as the worker (WORKER_DATA_PROVIDER, WORKER_DB_PATH, WORKER_SEED_DEMO, …), so
pointed at the workers' database file it answers from the data the jobs see. Port 0 picks a free port.
"""
from __future__ import annotations

import argparse
import sys

import uvicorn

from nexus_worker import logs
from nexus_worker.config import ConfigError
from nexus_worker.serving import listen_socket


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="nexus_demo.assistant")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    args = parser.parse_args(argv)
    from .app import create_app
    try:
        app = create_app()
    except ConfigError as exc:
        print(f"nexus-demo-assistant: {exc}", file=sys.stderr)
        return 2
    logs.configure(loggers=("nexus_demo",))
    sock, url = listen_socket(args.host, args.port)
    server = uvicorn.Server(uvicorn.Config(app, log_config=logs.LOG_CONFIG, timeout_keep_alive=5, lifespan="on"))
    print(f"nexus-demo-assistant listening on {url}", flush=True)
    server.run(sockets=[sock])
    return 0


if __name__ == "__main__":
    sys.exit(main())

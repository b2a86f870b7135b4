"""The worker app is built by a factory the server calls: importing the package does no work."""
from __future__ import annotations

import subprocess

from tests.servers import PYTHON, WORKERS_DIR

CHECK_IMPORT = """
import logging, sys
import nexus_worker.app, nexus_worker.__main__
from nexus_worker.config import ConfigError
assert not hasattr(nexus_worker.app, "app"), "an app object was built at import"
assert not logging.getLogger("nexus_worker").handlers, "logging was configured at import"
try:
    nexus_worker.app.create_app()
except ConfigError as exc:
    print("factory:", exc)
"""


def test_import_reads_no_environment_and_the_factory_does():
    # A bad setting in the environment: importing still succeeds; the factory names the variable.
    env = {"WORKER_CONCURRENCY": "many", "PATH": "/usr/bin:/bin"}
    out = subprocess.run([PYTHON, "-c", CHECK_IMPORT], cwd=WORKERS_DIR, env=env, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "factory: WORKER_CONCURRENCY must be an integer, got 'many'"


def test_a_bad_setting_stops_the_server_at_start_with_its_name():
    env = {"WORKER_CONCURRENCY": "many", "PATH": "/usr/bin:/bin"}
    out = subprocess.run([PYTHON, "-m", "nexus_worker", "--port", "0"], cwd=WORKERS_DIR, env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2
    assert "WORKER_CONCURRENCY must be an integer" in out.stderr and "listening" not in out.stdout

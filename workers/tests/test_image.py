"""The image installs the same Debian packages the code imports and the tests run against (checked statically:
no container engine runs on the build machines)."""
from __future__ import annotations

import ast
import re
import subprocess
import tomllib
from pathlib import Path

WORKERS = Path(__file__).resolve().parent.parent
# Python module -> Debian package that provides it.
PROVIDERS = {"fastapi": "python3-fastapi", "uvicorn": "python3-uvicorn", "httpx": "python3-httpx",
             "numpy": "python3-numpy", "scipy": "python3-scipy", "prometheus_client": "python3-prometheus-client",
             "pydantic": "python3-pydantic", "starlette": "python3-starlette"}


def dockerfile() -> str:
    return re.sub(r"\\\n", " ", (WORKERS / "Dockerfile").read_text())


def pinned_packages() -> dict[str, str]:
    install = re.search(r"apt-get install[^&]*", dockerfile()).group(0)
    return dict(re.findall(r"(python3[\w.+-]*)=(\S+)", install))


def imported_third_party() -> set[str]:
    names = set()
    for path in (WORKERS / "nexus_worker").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return names & set(PROVIDERS)


def upstream(version: str) -> str:
    """'1:1.24.2-1+deb12u1' -> '1.24.2': security updates change only the Debian revision."""
    return version.split(":")[-1].rsplit("-", 1)[0]


def test_base_image_and_entrypoint():
    text = dockerfile()
    assert re.search(r"^FROM debian:bookworm-slim$", text, re.M)
    assert '"-m", "nexus_worker"' in text and re.search(r"^USER \d+", text, re.M)


def test_every_imported_library_is_installed_pinned():
    pins = pinned_packages()
    # pydantic and starlette arrive as dependencies of python3-fastapi, pinned through it.
    needed = {PROVIDERS[m] for m in imported_third_party()} - {"python3-pydantic", "python3-starlette"}
    assert needed <= set(pins), f"not installed in the image: {needed - set(pins)}"


def test_pins_match_the_packages_the_tests_use():
    for package, version in pinned_packages().items():
        installed = subprocess.run(["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True)
        if installed.returncode != 0:
            continue  # not a Debian machine's package here (e.g. python3 itself on another base)
        assert upstream(installed.stdout) == upstream(version), f"{package}: image {version}, tests {installed.stdout}"


def test_only_the_production_package_is_in_the_image():
    # The demo assistant and the catalog fake (nexus_demo) and the tests stay out of the image and are never
    # imported by the worker.
    copies = re.findall(r"^COPY\s+(\S+)", dockerfile(), re.M)
    assert copies == ["nexus_worker/"], copies
    imported = set()
    for path in (WORKERS / "nexus_worker").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module.split(".")[0])
            elif isinstance(node, ast.Import):
                imported |= {a.name.split(".")[0] for a in node.names}
    assert not imported & {"nexus_demo", "tests"}


def test_project_dependencies_are_the_image_packages():
    project = tomllib.loads((WORKERS / "pyproject.toml").read_text())["project"]
    declared = dict(d.split("==") for d in project["dependencies"])
    pins = {package.removeprefix("python3-"): upstream(version) for package, version in pinned_packages().items()
            if package != "python3"}
    assert declared == pins

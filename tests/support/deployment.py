"""The deployment files as the tests read them (the compose file, the router image)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
COMPOSE = REPO / "docker-compose.yml"
ROUTER_DOCKERFILE = REPO / "deploy" / "router.Dockerfile"


def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def router_image_smg_version() -> str:
    """The smg version deploy/router.Dockerfile installs."""
    match = re.search(r"^ARG SMG_VERSION=(\S+)$", ROUTER_DOCKERFILE.read_text(), re.MULTILINE)
    assert match, "deploy/router.Dockerfile pins no SMG_VERSION"
    return match.group(1)


def router_argv(*, port: int, prometheus_port: int, worker_urls: list[str]) -> list[str]:
    """The compose scale profile's router command (the image's entrypoint is ``smg``), with its
    listening ports and worker URLs replaced by local ones and every other flag kept as written."""
    argv = shlex.split(compose()["services"]["sglang-router"]["command"])
    replaced = {"--host": ["127.0.0.1"], "--port": [str(port)], "--prometheus-host": ["127.0.0.1"]}
    replaced |= {"--prometheus-port": [str(prometheus_port)], "--worker-urls": worker_urls}
    out: list[str] = []
    skipping = False
    for arg in argv:
        if arg.startswith("--"):
            skipping = arg in replaced
            out += [arg, *replaced[arg]] if skipping else [arg]
        elif not skipping:
            out.append(arg)
    return out

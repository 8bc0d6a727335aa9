"""The SGLang stand-in (``sglang_stub.py``) run as its own process on a local port."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import httpx

from support.processes import ServerProcess, free_port

STUB = Path(__file__).with_name("sglang_stub.py")
SCRIPT = {"dog|samoyed": "more specific", "lion|panthera leo": "specific", "samoyed|dog": "generic"}


class StubServer:
    """``StubServer(tokenizer_dir, log_dir).start()``; ``restart(mode=...)`` comes back on the same port."""

    def __init__(
        self,
        tokenizer_dir: Path,
        log_dir: Path,
        *,
        mode: str = "normal",
        script: dict[str, str] | None = None,
        model_path: str | None = None,
        port: int | None = None,
        delay: float | None = None,
        extra_args: list[str] | None = None,
    ) -> None:
        self.tokenizer_dir = tokenizer_dir
        self.log_dir = log_dir
        self.script = SCRIPT if script is None else script
        self.model_path = model_path
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.mode = mode
        self.delay = delay  # seconds a "slow" /generate takes
        self.extra_args = list(extra_args or [])  # e.g. ["--null-logprobs"], ["--start-delay", "2"]
        self.server: ServerProcess | None = None
        self.scorings_log = log_dir / f"scorings-{self.port}.jsonl"

    def argv(self) -> list[str]:
        argv = [sys.executable, str(STUB), "--port", str(self.port), "--tokenizer", str(self.tokenizer_dir)]
        argv += ["--script", json.dumps(self.script), "--mode", self.mode]
        argv += ["--model-path", self.model_path] if self.model_path else []
        argv += ["--delay", str(self.delay)] if self.delay is not None else []
        argv += ["--scorings-log", str(self.scorings_log)]
        return argv + self.extra_args

    def start(self, *, ready_path: str = "/ready") -> StubServer:
        """Start it and wait until ``ready_path`` answers 200: SGLang's instant readiness by default
        (its /health takes a second); /model_info answers even while the server is starting."""
        self.server = ServerProcess(
            f"SGLang stand-in ({self.mode})", self.argv(), self.log_dir / f"sglang-{self.port}.log"
        )
        self.server.start(self.url + ready_path, timeout=60)
        return self

    def restart(self, *, mode: str = "normal") -> StubServer:
        self.kill()
        self.mode = mode
        return self.start()

    def kill(self) -> None:
        if self.server is not None:
            self.server.kill()

    def requests(self) -> list:
        return httpx.get(self.url + "/_requests").json()

    def scorings(self) -> list[dict]:
        """``{"at": time.monotonic() on arrival, "pair": "label|answer"}`` per scoring request,
        from every run on this port (read from the stand-in's file: a killed one's too)."""
        path = self.scorings_log
        return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []

    def stats(self) -> dict:
        return httpx.get(self.url + "/_stats").json()

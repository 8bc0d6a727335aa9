"""The verifier app under test: in-process (no socket) or on a real local port.

- ``InProcessServer``: the app behind Starlette's ``TestClient`` (sync tests). Requests go
  through the whole ASGI stack, middleware and lifespan included, without a socket.
- ``AsgiServer``: the same for async tests, on the test's own event loop, through
  ``httpx.ASGITransport`` (pass ``transport`` to the trainer client).
- ``LiveServer``: a real uvicorn server on a local port, for what needs a socket: limits
  enforced while a body streams in, clients that take a URL (CLIs, TRL runs), shutdown.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager, nullcontext
from typing import Any

import httpx
import uvicorn
from fastapi.testclient import TestClient

from support.processes import free_port
from verifier_service.app import create_app
from verifier_service.config import Settings
from verifier_service.grading.ports import Judge
from verifier_service.server import uvicorn_config


class InProcessServer:
    """``with InProcessServer(settings, judges) as server, server.client() as http: http.post(...)``."""

    url = "http://verifier.test"

    def __init__(self, settings: Settings, judges: Mapping[str, Judge] | None = None) -> None:
        self.app = create_app(settings, extra_judges=judges)
        self._client = TestClient(self.app, base_url=self.url, raise_server_exceptions=False)
        self.judge: Any = None  # a test may hang its judge here

    def __enter__(self) -> InProcessServer:
        self._client.__enter__()  # runs the lifespan
        return self

    def __exit__(self, *exc: object) -> None:
        self._client.__exit__(*exc)

    def client(self) -> nullcontext[TestClient]:
        """The client, as a context manager (like ``LiveServer.client()``); the server's ``with`` owns it."""
        return nullcontext(self._client)


class AsgiServer:
    """``async with AsgiServer(settings, judges) as server: VerifierClient(server.url, transport=server.transport)``."""

    url = "http://verifier.test"

    def __init__(self, settings: Settings, judges: Mapping[str, Judge] | None = None) -> None:
        self.app = create_app(settings, extra_judges=judges)
        self.transport = httpx.ASGITransport(app=self.app)
        self._lifespan: AbstractAsyncContextManager[None] | None = None
        self.judge: Any = None

    async def __aenter__(self) -> AsgiServer:
        self._lifespan = self.app.router.lifespan_context(self.app)
        await self._lifespan.__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._lifespan is not None
        await self._lifespan.__aexit__(*exc)

    def client(self, **kwargs: Any) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=self.transport, base_url=self.url, **kwargs)


class LiveServer:
    """A real uvicorn server on a local port, in a background thread."""

    def __init__(self, settings: Settings, judges: Mapping[str, Judge] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.app = create_app(settings, extra_judges=judges)
        # The service's own uvicorn configuration (slow-client deadlines, connection bound), on a free port.
        config = uvicorn_config(self.app, settings, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.judge: Any = None

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

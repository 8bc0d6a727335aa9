"""``SyncVerifierClient``: ``VerifierClient``'s calls, blocking, for scripts and notebooks.

The async client runs on an event loop of its own in a background thread, so a call works the
same from a plain script and from a notebook cell (where a loop is already running and
``asyncio.run`` is refused).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

from trainer_client.client import GradeResult, VerifierClient

T = TypeVar("T")


class SyncVerifierClient:
    """``SyncVerifierClient(url, **options)``: the options and methods of ``VerifierClient``."""

    def __init__(self, base_url: str, **options: Any) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="verifier-client", daemon=True)
        self._thread.start()
        self._client: VerifierClient = self._run(self._make(base_url, options))
        self.base_url = base_url

    @staticmethod
    async def _make(base_url: str, options: dict[str, Any]) -> VerifierClient:
        return VerifierClient(base_url, **options)  # its connection pool belongs to this loop

    def _run(self, call: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(call, self._loop).result()

    def grade(self, pairs: Any, **options: Any) -> list[GradeResult]:
        return self._run(self._client.grade(pairs, **options))

    def taxonomies(self) -> list[dict[str, Any]]:
        return self._run(self._client.taxonomies())

    def taxonomy(self, name: str) -> dict[str, Any]:
        return self._run(self._client.taxonomy(name))

    def lookup(self, taxonomy: str, term: str) -> dict[str, Any]:
        return self._run(self._client.lookup(taxonomy, term))

    def upload_taxonomy(self, taxonomy: dict[str, Any], *, dry_run: bool = False) -> dict[str, Any]:
        return self._run(self._client.upload_taxonomy(taxonomy, dry_run=dry_run))

    def check_taxonomy(self, taxonomy: dict[str, Any]) -> dict[str, Any]:
        return self._run(self._client.check_taxonomy(taxonomy))

    def delete_taxonomy(self, name: str) -> None:
        self._run(self._client.delete_taxonomy(name))

    def close(self) -> None:
        if self._loop.is_running():
            self._run(self._client.aclose())
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join()
            self._loop.close()

    def __enter__(self) -> SyncVerifierClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

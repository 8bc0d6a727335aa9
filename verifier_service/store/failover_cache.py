"""A shared cache that falls back to the embedded one while it is unreachable, and comes back.

Every grade is written to both while Redis is up (the embedded cache stays warm for a
failover), and to the embedded one alone while it is down; reads go to Redis when it is up,
then to the embedded cache for what Redis lacks (copied back to Redis).
While Redis is down, single-flight is per process only (every claim succeeds). Each switch is
logged and reported to ``on_switch``.

No flapping: while on the embedded cache, one probe (a PING, never a real operation) asks Redis
every ``retry_s`` seconds, and only a probe's answer switches back. Operations that were already
under way when the switch back happened cannot switch away again when they fail late: only a
failure of an operation started after the last switch counts. So one outage is two switches.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TypeVar

from verifier_service.grading.types import Judgement
from verifier_service.store.redis_cache import RedisGradeCache
from verifier_service.store.sqlite_cache import SQLiteGradeCache

log = logging.getLogger(__name__)
T = TypeVar("T")


class FailoverCache:
    def __init__(
        self,
        primary: RedisGradeCache,
        fallback: SQLiteGradeCache,
        *,
        retry_s: float = 5.0,
        on_switch: Callable[[str], None] | None = None,
    ) -> None:
        self.primary = primary
        self.fallback = fallback
        self.retry_s = retry_s
        self._on_switch = on_switch or (lambda backend: None)
        self.using_primary = True
        self._retry_at = 0.0
        self._since = time.monotonic()  # when the last switch happened
        self._probe = asyncio.Lock()

    @property
    def backend(self) -> str:
        return "redis" if self.using_primary else "embedded"

    async def _on_primary(self, call: Callable[[], Awaitable[T]]) -> tuple[bool, T | None]:
        """(True, result) when Redis answered; (False, None) when it is (still) unreachable."""
        if not self.using_primary and not await self._primary_is_back():
            return False, None
        started = time.monotonic()
        try:
            result = await call()
        except Exception as exc:  # redis-py raises ConnectionError, TimeoutError, OSError...
            if self.using_primary and started >= self._since:  # a late failure from before a switch is old news
                self._switch(False, f"Redis at {self.primary.url} unreachable ({exc}); using the embedded cache")
            return False, None
        return True, result

    async def _primary_is_back(self) -> bool:
        """At most one probe every ``retry_s``, by one caller at a time; the others stay embedded."""
        if time.monotonic() < self._retry_at or self._probe.locked():
            return False
        async with self._probe:
            if self.using_primary:
                return True
            self._retry_at = time.monotonic() + self.retry_s
            try:
                await self.primary.check_ready()
            except Exception:
                return False
            self._switch(True, f"Redis at {self.primary.url} is back; using it again")
            return True

    def _switch(self, to_primary: bool, message: str) -> None:
        log.warning(message)
        self.using_primary = to_primary
        self._since = time.monotonic()
        if not to_primary:
            self._retry_at = self._since + self.retry_s
        self._on_switch("redis" if to_primary else "embedded")

    async def get_many(self, keys: Sequence[str]) -> dict[str, Judgement]:
        ok, found = await self._on_primary(lambda: self.primary.get_many(keys))
        if not ok:
            return await self.fallback.get_many(keys)
        assert found is not None
        missing = [k for k in keys if k not in found]
        if missing:
            # Grades judged here while Redis was down (or lost by a Redis restart) are still in
            # the embedded cache: serve them, and copy them back for the other replicas.
            local = await self.fallback.get_many(missing)
            if local:
                await self._on_primary(lambda: self.primary.put_many(local))
                found.update(local)
        return found

    async def put_many(self, entries: Mapping[str, Judgement]) -> None:
        await self._on_primary(lambda: self.primary.put_many(entries))
        await self.fallback.put_many(entries)

    async def check_ready(self) -> None:
        # Serving from the embedded cache is degraded, not down: ready as long as it works.
        await self._on_primary(self.primary.check_ready)
        await self.fallback.check_ready()

    async def aclose(self) -> None:
        await self.primary.aclose()
        await self.fallback.aclose()

    # ---- coordination: distributed while Redis is up, per process while it is down --------
    async def claim(self, keys: Sequence[str], owner: str, ttl_ms: int) -> set[str]:
        ok, claimed = await self._on_primary(lambda: self.primary.claim(keys, owner, ttl_ms))
        return claimed if ok else set(keys)  # type: ignore[return-value]

    async def release(self, keys: Sequence[str], owner: str) -> None:
        await self._on_primary(lambda: self.primary.release(keys, owner))

    async def extend(self, keys: Sequence[str], owner: str, ttl_ms: int) -> None:
        await self._on_primary(lambda: self.primary.extend(keys, owner, ttl_ms))

    async def locked(self, keys: Sequence[str]) -> set[str]:
        ok, held = await self._on_primary(lambda: self.primary.locked(keys))
        return held if ok else set()  # type: ignore[return-value]

"""The shared grade cache and cross-replica single-flight, in Redis (redis-py's asyncio client).

Grades are plain keys (``<prefix>grade:<cache key>`` -> JSON). Single-flight across replicas
uses one lock per pair (``<prefix>lock:<cache key>`` = owner id, ``SET NX PX``): the replica
that takes it judges the pair; the others wait for the grade to appear in the cache. A lock
expires on its own, so a waiter takes over when its owner died.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from verifier_service.grading.categories import Category
from verifier_service.grading.types import Judgement

# Delete a lock only if we still own it (it may have expired and been taken by another replica).
_RELEASE = """
for i, key in ipairs(KEYS) do
  if redis.call('GET', key) == ARGV[1] then redis.call('DEL', key) end
end
return 1
"""


# Extend the locks we still own (a lease renewed while the judge works).
_EXTEND = """
for i, key in ipairs(KEYS) do
  if redis.call('GET', key) == ARGV[1] then redis.call('PEXPIRE', key, ARGV[2]) end
end
return 1
"""


class RedisGradeCache:
    def __init__(
        self, url: str, *, prefix: str = "verifier:", ttl_s: int | None = None, timeout_s: float = 1.0
    ) -> None:
        import redis.asyncio as redis
        from redis.asyncio.retry import Retry
        from redis.backoff import NoBackoff
        from redis.exceptions import ConnectionError as RedisConnectionError

        self.url = url
        # One immediate retry on a fresh connection when a pooled one turns out dead (Redis was
        # restarted): without it, every stale connection in the pool fails one call after a
        # recovery, and the failover cache would switch away again. Timeouts are not retried.
        self._redis = redis.Redis.from_url(
            url,
            socket_timeout=timeout_s,
            socket_connect_timeout=timeout_s,
            retry_on_timeout=False,
            retry=Retry(NoBackoff(), retries=1),
            retry_on_error=[RedisConnectionError],
        )
        self._prefix = prefix
        self._ttl_s = ttl_s
        self._release = self._redis.register_script(_RELEASE)
        self._extend = self._redis.register_script(_EXTEND)

    def _grade_key(self, key: str) -> str:
        return f"{self._prefix}grade:{key}"

    def _lock_key(self, key: str) -> str:
        return f"{self._prefix}lock:{key}"

    # ---- GradeCache ---------------------------------------------------------------------
    async def get_many(self, keys: Sequence[str]) -> dict[str, Judgement]:
        if not keys:
            return {}
        values = await self._redis.mget([self._grade_key(k) for k in keys])
        found = {}
        for key, value in zip(keys, values, strict=True):
            if value is not None:
                data = json.loads(value)
                found[key] = Judgement(Category(data["category"]), data.get("probabilities"))
        return found

    async def put_many(self, entries: Mapping[str, Judgement]) -> None:
        async with self._redis.pipeline(transaction=False) as pipe:
            for key, judgement in entries.items():
                value = json.dumps(
                    {
                        "category": judgement.category.value,
                        "probabilities": dict(judgement.probabilities) if judgement.probabilities else None,
                    }
                )
                pipe.set(self._grade_key(key), value, ex=self._ttl_s)
            await pipe.execute()

    async def check_ready(self) -> None:
        await self._redis.ping()

    async def aclose(self) -> None:
        await self._redis.aclose()

    # ---- cross-replica single-flight ------------------------------------------------------
    async def claim(self, keys: Sequence[str], owner: str, ttl_ms: int) -> set[str]:
        """The keys whose lock this owner took (the others are being judged elsewhere)."""
        async with self._redis.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.set(self._lock_key(key), owner, nx=True, px=ttl_ms)
            results = await pipe.execute()
        return {key for key, taken in zip(keys, results, strict=True) if taken}

    async def release(self, keys: Sequence[str], owner: str) -> None:
        if keys:
            await self._release(keys=[self._lock_key(k) for k in keys], args=[owner])

    async def extend(self, keys: Sequence[str], owner: str, ttl_ms: int) -> None:
        if keys:
            await self._extend(keys=[self._lock_key(k) for k in keys], args=[owner, ttl_ms])

    async def locked(self, keys: Sequence[str]) -> set[str]:
        async with self._redis.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.exists(self._lock_key(key))
            results = await pipe.execute()
        return {key for key, exists in zip(keys, results, strict=True) if exists}

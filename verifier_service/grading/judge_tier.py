"""The judge tier: grades the pairs that rules and taxonomies left, at most once each.

For every pair it looks in the grade cache first; a pair another request of this process is
already judging is awaited, not sent again (single-flight); with a ``Coordinator`` the same
holds across replicas: the replica that claims a pair's lock judges it (unless the cache, read
again once the lock is taken, has it by then), the others wait for its grade in the shared cache
and take over if the lock vanishes without one. What is left
goes to the judge in batches, and every success is cached before its waiters are released.

Pure orchestration over the ports: no HTTP, no database, no model code.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import math
import time
import uuid
from collections import Counter
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from verifier_service.grading.normalise import NORMALISATION_VERSION
from verifier_service.grading.ports import Coordinator, GradeCache, GradingObserver, Judge
from verifier_service.grading.types import (
    FailureKind,
    Grade,
    JudgeFailure,
    Judgement,
    JudgeOutcome,
    JudgeProtocolViolation,
    JudgeRequest,
    JudgeUnavailable,
    Source,
    Status,
)

log = logging.getLogger(__name__)

K = TypeVar("K", bound=Hashable)


def cache_key(request: JudgeRequest, judge_identity: str) -> str:
    """Stable key of one judged pair: normalised pair (and the normalisation's version), judge
    identity (model + prompt), context and the taxonomy version it came from."""
    payload = json.dumps(
        [
            request.ground_truth,
            request.prediction,
            judge_identity,
            request.context,
            request.context_source,
            NORMALISATION_VERSION,
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def failure_kind(exc: BaseException) -> FailureKind:
    """Classify a failed judge call by the exception the adapter raised."""
    if isinstance(exc, (JudgeUnavailable, ConnectionError, TimeoutError, asyncio.TimeoutError)):
        return FailureKind.UNAVAILABLE
    if isinstance(exc, JudgeProtocolViolation):
        return FailureKind.PROTOCOL
    return FailureKind.ERROR


def checked(outcome: JudgeOutcome) -> JudgeOutcome:
    """A judgement whose probabilities are not a distribution (NaN, negative, not summing to one)
    is a failure, never a grade: it would be cached and served."""
    if not isinstance(outcome, Judgement) or outcome.probabilities is None:
        return outcome
    values = list(outcome.probabilities.values())
    if all(math.isfinite(v) and v >= 0 for v in values) and abs(sum(values) - 1.0) < 1e-6:
        return outcome
    return JudgeFailure(
        f"judge returned invalid probabilities {dict(outcome.probabilities)}", FailureKind.INVALID_PROBABILITIES
    )


def cached_grade(judgement: Judgement) -> Grade:
    return Grade(Status.OK, judgement.category, Source.CACHE, judgement.probabilities)


@dataclass(frozen=True, slots=True)
class NamedJudge:
    """A judge and the name it is configured under (metrics and error messages use the name)."""

    name: str
    judge: Judge


@dataclass(frozen=True, slots=True)
class _Pending:
    key: str  # the cache key
    request: JudgeRequest
    future: asyncio.Future[Grade]  # what waiters await; resolved once, by this judging only


class JudgeTier:
    def __init__(
        self,
        *,
        cache: GradeCache | None,
        observer: GradingObserver,
        batch_size: int = 64,
        coordinator: Coordinator | None = None,
        lock_ttl_s: float = 15.0,
        poll_s: float = 0.1,
        deadline_s: float | None = None,
    ) -> None:
        self._cache = cache
        self._observer = observer
        self._batch_size = batch_size
        self._inflight: dict[str, asyncio.Future[Grade]] = {}
        self._coordinator = coordinator
        self._owner = uuid.uuid4().hex  # this replica, as a lock owner
        self._lock_ttl_ms = int(lock_ttl_s * 1000)
        self._poll_s = poll_s
        # The longest a caller waits for the pairs it needs, however long the judge takes
        # (a judge's own deadline covers its calls; this covers waiting on other requests' calls too).
        self._deadline_s = deadline_s
        self._tasks: set[asyncio.Task[None]] = set()

    async def grade(self, requests: Mapping[K, JudgeRequest], judge: NamedJudge) -> dict[K, Grade]:
        """One grade per request key: from the cache, from a judging already under way, or from the judge."""
        started = time.monotonic()
        try:
            identity = await judge.judge.identity()
        except Exception as exc:  # an unreachable judge cannot even name its model
            self._observer.judge_call(judge.name, 0.0, 0, {FailureKind.UNAVAILABLE.value: len(requests)})
            failed = Grade.failed(Status.JUDGE_ERROR, f"judge {judge.name!r} unavailable: {type(exc).__name__}: {exc}")
            return dict.fromkeys(requests, failed)
        # Requests that differ only in what the judge never sees share one cache key.
        key_of = {key: cache_key(request, identity) for key, request in requests.items()}
        by_cache_key = {ck: requests[key] for key, ck in key_of.items()}

        results: dict[str, Grade] = {
            ck: cached_grade(judgement) for ck, judgement in (await self._cache_get(list(by_cache_key))).items()
        }
        self._observer.cache_lookups(hits=len(results), misses=len(by_cache_key) - len(results))

        waiting: dict[str, asyncio.Future[Grade]] = {}
        to_judge: list[_Pending] = []
        for ck, request in by_cache_key.items():
            if ck in results:
                continue
            future = self._inflight.get(ck)
            if future is None:
                future = asyncio.get_running_loop().create_future()
                self._inflight[ck] = future
                to_judge.append(_Pending(ck, request, future))
            waiting[ck] = future
        if to_judge:
            # The judging runs in its own task: a client that disconnects must not cancel
            # work that other requests are waiting on.
            self._spawn(self._claim_and_judge(to_judge, judge))
        for ck, future in waiting.items():
            results[ck] = await self._wait(future, started, judge.name)
        return {key: results[ck] for key, ck in key_of.items()}

    async def _wait(self, future: asyncio.Future[Grade], started: float, judge: str) -> Grade:
        """The grade, or an error once the deadline (counted from the caller's arrival) has passed.
        The judging goes on for whoever else waits for it; shield keeps it from being cancelled."""
        if self._deadline_s is None:
            return await asyncio.shield(future)
        remaining = self._deadline_s - (time.monotonic() - started)
        try:
            return await asyncio.wait_for(asyncio.shield(future), timeout=max(remaining, 0.0))
        except asyncio.TimeoutError:
            return Grade.failed(
                Status.JUDGE_ERROR, f"judge {judge!r} gave no grade within the {self._deadline_s:g}s deadline"
            )

    def _spawn(self, work) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # ---- across replicas ------------------------------------------------------------------
    async def _claim_and_judge(self, pending: list[_Pending], judge: NamedJudge) -> None:
        """Judge the pairs this replica claims; wait for the others, judged by other replicas."""
        if self._coordinator is None:
            await self._judge_and_publish(pending, judge)
            return
        try:
            claimed = await self._coordinator.claim([p.key for p in pending], self._owner, self._lock_ttl_ms)
        except Exception as exc:  # coordination is an optimisation: never a reason not to grade
            log.warning("could not claim pairs for single-flight: %s", exc)
            claimed = {p.key for p in pending}
        mine = [p for p in pending if p.key in claimed]
        elsewhere = [p for p in pending if p.key not in claimed]
        if elsewhere:
            self._spawn(self._await_elsewhere(elsewhere, judge))
        mine = await self._judged_meanwhile(mine)
        if mine:
            keys = [p.key for p in mine]
            lease = asyncio.ensure_future(self._renew(keys))
            try:
                await self._judge_and_publish(mine, judge)
            finally:
                lease.cancel()
                await self._release(keys)

    async def _judged_meanwhile(self, claimed: list[_Pending]) -> list[_Pending]:
        """Double-checked locking: another replica may have judged a pair, cached it and released
        its lock between this replica's cache lookup and its claim. Those are served from the
        cache (their locks released); the rest, still ungraded, are left to judge."""
        assert self._coordinator is not None
        found = await self._cache_get([p.key for p in claimed])
        if not found:
            return claimed
        for p in claimed:
            if p.key in found:
                self._resolve(p, cached_grade(found[p.key]))
        await self._release(list(found))
        return [p for p in claimed if p.key not in found]

    async def _release(self, keys: list[str]) -> None:
        assert self._coordinator is not None
        try:
            await self._coordinator.release(keys, self._owner)
        except Exception as exc:
            log.warning("could not release single-flight locks (they expire): %s", exc)

    async def _renew(self, keys: list[str]) -> None:
        """Keep this replica's locks alive while its judge works: renewed every third of their
        expiry, so they outlive a slow judge but not a dead replica (whose pairs others take over)."""
        assert self._coordinator is not None
        while True:
            await asyncio.sleep(self._lock_ttl_ms / 3000)
            try:
                await self._coordinator.extend(keys, self._owner, self._lock_ttl_ms)
            except Exception as exc:  # a lapsed lease costs at most a second judging of the pair
                log.warning("could not renew single-flight locks: %s", exc)

    async def _await_elsewhere(self, pending: list[_Pending], judge: NamedJudge) -> None:
        """Poll the shared cache for pairs another replica is judging; take over a pair whose
        lock disappeared without a grade (that replica died, or its judge failed)."""
        assert self._coordinator is not None
        # while the owner renews its lease it is alive and judging: wait as long as a caller waits
        deadline = time.monotonic() + (self._deadline_s or 600.0)
        remaining = {p.key: p for p in pending}
        try:
            while remaining:
                await asyncio.sleep(self._poll_s)
                for key, judgement in (await self._cache_get(list(remaining))).items():
                    self._resolve(remaining.pop(key), cached_grade(judgement))
                if not remaining:
                    return
                held = await self._coordinator.locked(list(remaining))
                orphans = [p for key, p in remaining.items() if key not in held]
                if orphans:
                    for p in orphans:
                        remaining.pop(p.key)
                    self._spawn(self._claim_and_judge(orphans, judge))
                if time.monotonic() > deadline:
                    for item in remaining.values():
                        self._resolve(item, Grade.failed(Status.JUDGE_ERROR, "timed out waiting for another replica"))
                    return
        except Exception as exc:
            for item in remaining.values():
                self._resolve(item, Grade.failed(Status.JUDGE_ERROR, f"waiting for another replica failed: {exc}"))

    def _resolve(self, item: _Pending, grade: Grade) -> None:
        """Settle this judging's own future (a later request's future for the same pair is not ours)."""
        if not item.future.done():
            item.future.set_result(grade)
        if self._inflight.get(item.key) is item.future:
            del self._inflight[item.key]

    # ---- judging --------------------------------------------------------------------------
    async def _judge_and_publish(self, pending: list[_Pending], judge: NamedJudge) -> None:
        try:
            chunks = [pending[i : i + self._batch_size] for i in range(0, len(pending), self._batch_size)]
            await asyncio.gather(*(self._judge_chunk(chunk, judge) for chunk in chunks))
        finally:
            # Whatever happened, nobody may wait forever.
            for item in pending:
                self._resolve(item, Grade.failed(Status.JUDGE_ERROR, "judging was interrupted"))

    async def _judge_chunk(self, chunk: list[_Pending], judge: NamedJudge) -> None:
        started = time.perf_counter()
        try:
            outcomes = list(await judge.judge.judge([item.request for item in chunk]))
            if len(outcomes) != len(chunk):
                raise RuntimeError(f"judge returned {len(outcomes)} outcomes for {len(chunk)} pairs")
        except Exception as exc:  # any failure of the call becomes a per-item error
            reason = f"judge {judge.name!r} failed: {type(exc).__name__}: {exc}"
            outcomes = [JudgeFailure(reason, failure_kind(exc))] * len(chunk)
        outcomes = [checked(outcome) for outcome in outcomes]

        fresh: dict[str, Judgement] = {}
        grades: list[Grade] = []
        failures: Counter[str] = Counter()
        for item, outcome in zip(chunk, outcomes, strict=True):
            if isinstance(outcome, Judgement):
                fresh[item.key] = outcome
                grades.append(
                    Grade(Status.OK, outcome.category, Source.JUDGE, outcome.probabilities, overruled=outcome.overruled)
                )
            else:
                failures[outcome.kind.value] += 1
                grades.append(Grade.failed(Status.JUDGE_ERROR, outcome.reason))
        self._observer.judge_call(judge.name, time.perf_counter() - started, len(fresh), failures)
        if failures:
            first = next(o for o in outcomes if isinstance(o, JudgeFailure))
            log.warning(
                "judge %s failed on %d of %d pairs (%s); first: %s",
                judge.name,
                sum(failures.values()),
                len(chunk),
                ", ".join(f"{kind}: {n}" for kind, n in sorted(failures.items())),
                first.reason,
            )
        # Write the cache before releasing the waiters: a request arriving in between then
        # finds the grade in the cache instead of judging the pair a second time.
        if fresh:
            await self._cache_put(fresh)
        for item, grade in zip(chunk, grades, strict=True):
            self._resolve(item, grade)

    async def cached(self, request: JudgeRequest, judge: NamedJudge) -> Grade | None:
        """The judge's cached grade for a request, without judging it (None: not cached, or the judge
        cannot even name its model)."""
        try:
            identity = await judge.judge.identity()
        except Exception:
            return None
        found = await self._cache_get([cache_key(request, identity)])
        return cached_grade(next(iter(found.values()))) if found else None

    # ---- the cache --------------------------------------------------------------------------
    async def _cache_get(self, keys: list[str]) -> dict[str, Judgement]:
        if self._cache is None or not keys:
            return {}
        try:
            return await self._cache.get_many(keys)
        except Exception as exc:  # a broken cache costs judge work, never grades
            self._observer.cache_error("get")
            log.warning("grade cache lookup failed, judging instead: %s", exc)
            return {}

    async def _cache_put(self, entries: dict[str, Judgement]) -> None:
        if self._cache is None:
            return
        try:
            await self._cache.put_many(entries)
        except Exception as exc:
            self._observer.cache_error("put")
            log.warning("grade cache write failed for %d grades: %s", len(entries), exc)

    async def check_cache(self) -> None:
        if self._cache is not None:
            await self._cache.check_ready()

    @property
    def has_cache(self) -> bool:
        return self._cache is not None

    async def aclose(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._cache is not None:
            await self._cache.aclose()

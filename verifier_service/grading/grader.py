"""The grading pipeline: rules, taxonomy, cache, single-flight, judge.

Pure orchestration over the ports in ``ports.py``: no HTTP, no database, no model code.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from verifier_service.grading.normalise import normalise
from verifier_service.grading.ports import Coordinator, GradeCache, GradingObserver, Judge, NullObserver
from verifier_service.grading.rules import apply_rules
from verifier_service.grading.taxonomy import LabelTaxonomy
from verifier_service.grading.types import (
    Grade,
    GradeInput,
    JudgeFailure,
    Judgement,
    JudgeRequest,
    Source,
    Status,
)

log = logging.getLogger(__name__)


class UnknownNameError(LookupError):
    """A request named a judge or taxonomy that is not configured."""


class InvalidItemError(ValueError):
    """An item cannot be graded at all (e.g. a ground truth with no letters or digits)."""


def cache_key(request: JudgeRequest, judge_identity: str) -> str:
    """Stable key of one judged pair: normalised pair, judge identity (model + prompt), context
    and the taxonomy version it came from."""
    payload = json.dumps(
        [request.ground_truth, request.prediction, judge_identity, request.context, request.context_source],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode()).hexdigest()


# (normalised ground truth, normalised prediction, raw prediction, taxonomy name)
_Key = tuple[str, str, str, "str | None"]


@dataclass(frozen=True, slots=True)
class _Pending:
    key: str
    request: JudgeRequest


class Grader:
    """Grades batches of (ground truth, prediction) pairs.

    Every judged pair is cached under ``cache_key``; a pair that another request is
    already judging is awaited rather than judged again (single-flight per process, and
    across replicas when a ``coordinator`` is given).
    """

    def __init__(
        self,
        *,
        judges: Mapping[str, Judge],
        default_judge: str | None = None,
        taxonomies: Mapping[str, LabelTaxonomy] | None = None,
        cache: GradeCache | None = None,
        observer: GradingObserver | None = None,
        judge_batch_size: int = 64,
        coordinator: Coordinator | None = None,
        lock_ttl_s: float = 180.0,
        poll_s: float = 0.1,
    ) -> None:
        if default_judge is not None and default_judge not in judges:
            raise ValueError(f"default judge {default_judge!r} is not among the judges {sorted(judges)}")
        self._judges = dict(judges)
        self._default_judge = default_judge
        self.taxonomies: dict[str, LabelTaxonomy] = dict(taxonomies or {})
        self._cache = cache
        self._observer = observer or NullObserver()
        self._judge_batch_size = judge_batch_size
        self._inflight: dict[str, asyncio.Future[Grade]] = {}
        # Across replicas (optional): a pair is judged by the replica that claims its lock.
        self._coordinator = coordinator
        self._owner = uuid.uuid4().hex
        self._lock_ttl_ms = int(lock_ttl_s * 1000)
        self._poll_s = poll_s
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def judge_names(self) -> list[str]:
        return sorted(self._judges)

    @property
    def default_judge(self) -> str | None:
        return self._default_judge

    def resolve_judge(self, name: str | None) -> tuple[str, Judge] | None:
        """The judge a request asks for (or the default); ``None`` when no judge is configured."""
        if name is None:
            name = self._default_judge
            if name is None:
                return None
        judge = self._judges.get(name)
        if judge is None:
            raise UnknownNameError(f"unknown judge {name!r}; configured judges: {self.judge_names}")
        return name, judge

    def resolve_taxonomy(self, name: str | None) -> LabelTaxonomy | None:
        if name is None:
            return None
        taxonomy = self.taxonomies.get(name)
        if taxonomy is None:
            raise UnknownNameError(f"unknown taxonomy {name!r}; available: {sorted(self.taxonomies)}")
        return taxonomy

    async def grade(
        self,
        items: Sequence[GradeInput],
        *,
        taxonomy: str | None = None,
        judge: str | None = None,
    ) -> list[Grade]:
        """One grade per item, in order.

        Raises ``UnknownNameError`` for an unknown judge or taxonomy and ``InvalidItemError``
        for an item that has no meaning to grade; nothing is graded then.
        """
        trees = {name: self.resolve_taxonomy(name) for name in {taxonomy} | {i.taxonomy for i in items if i.taxonomy}}
        chosen = self.resolve_judge(judge)
        for index, item in enumerate(items):
            if not any(ch.isalnum() for ch in item.ground_truth):
                raise InvalidItemError(f"item {index}: ground_truth {item.ground_truth!r} has no letters or digits")
        self._observer.in_flight(len(items))
        try:
            grades = await self._grade(items, trees, taxonomy, chosen)
        finally:
            self._observer.in_flight(-len(items))
        self._observer.items_graded(grades)
        return grades

    async def _grade(
        self,
        items: Sequence[GradeInput],
        trees: Mapping[str | None, LabelTaxonomy | None],
        default_taxonomy: str | None,
        chosen: tuple[str, Judge] | None,
    ) -> list[Grade]:
        # 1-2. normalise and de-duplicate: the raw prediction matters to the rules only
        # through its shape, so the unique unit is (ground truth, prediction, raw prediction,
        # taxonomy).
        unique: dict[_Key, list[int]] = {}
        for index, item in enumerate(items):
            key = (
                normalise(item.ground_truth),
                normalise(item.prediction),
                item.prediction,
                item.taxonomy or default_taxonomy,
            )
            unique.setdefault(key, []).append(index)

        settled: dict[_Key, Grade] = {}
        needs_judge: dict[_Key, JudgeRequest] = {}
        for key in unique:
            truth, guess, raw_guess, taxonomy_name = key
            tree = trees[taxonomy_name]
            # 3. rules
            category = apply_rules(truth, guess, raw_guess)
            if category is not None:
                settled[key] = Grade(Status.OK, category, Source.RULE)
                continue
            # 4. taxonomy
            if tree is not None:
                category = tree.categorise(truth, guess)
                if category is not None:
                    settled[key] = Grade(Status.OK, category, Source.TAXONOMY)
                    continue
            context = tree.describe_lineage(truth) if tree is not None else None
            source = f"{tree.name}@{tree.version}" if context is not None else None  # type: ignore[union-attr]
            needs_judge[key] = JudgeRequest(truth, guess, context, source)

        if needs_judge:
            if chosen is None:
                missing = Grade.failed(
                    Status.NO_JUDGE,
                    "this pair needs an LLM judge and none is configured (see the README: judges)",
                )
                settled.update((key, missing) for key in needs_judge)
            else:
                settled.update(await self._judge_all(needs_judge, *chosen))

        grades: list[Grade | None] = [None] * len(items)
        for key, indexes in unique.items():
            for index in indexes:
                grades[index] = settled[key]
        return grades  # type: ignore[return-value]  # every index was filled above

    # ---- cache, single-flight and judge -----------------------------------------------
    async def _judge_all(
        self, requests: Mapping[_Key, JudgeRequest], judge_name: str, judge: Judge
    ) -> dict[_Key, Grade]:
        try:
            identity = await judge.identity()
        except Exception as exc:  # an unreachable judge cannot even name its model
            self._observer.judge_call(judge_name, 0.0, len(requests), failed=True)
            failed = Grade.failed(Status.JUDGE_ERROR, f"judge {judge_name!r} unavailable: {type(exc).__name__}: {exc}")
            return dict.fromkeys(requests, failed)
        # Pairs that differ only in raw shape share one judge key.
        by_cache_key: dict[str, JudgeRequest] = {}
        key_of: dict[_Key, str] = {}
        for unique_key, request in requests.items():
            ck = cache_key(request, identity)
            key_of[unique_key] = ck
            by_cache_key.setdefault(ck, request)

        results: dict[str, Grade] = {}
        hits = await self._cache_get(list(by_cache_key))
        for ck, judgement in hits.items():
            results[ck] = Grade(Status.OK, judgement.category, Source.CACHE, judgement.probabilities)
        self._observer.cache_lookups(hits=len(hits), misses=len(by_cache_key) - len(hits))

        waiting: dict[str, asyncio.Future[Grade]] = {}
        to_judge: list[_Pending] = []
        for ck, request in by_cache_key.items():
            if ck in results:
                continue
            future = self._inflight.get(ck)
            if future is None:
                future = asyncio.get_running_loop().create_future()
                self._inflight[ck] = future
                to_judge.append(_Pending(ck, request))
            waiting[ck] = future

        if to_judge:
            # The judging runs in its own task: a client that disconnects must not cancel
            # work that other requests are waiting on.
            self._spawn(self._claim_and_judge(to_judge, judge_name, judge))

        for ck, future in waiting.items():
            results[ck] = await asyncio.shield(future)
        return {unique_key: results[ck] for unique_key, ck in key_of.items()}

    def _spawn(self, work) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _claim_and_judge(self, pending: list[_Pending], judge_name: str, judge: Judge) -> None:
        """Judge the pairs this replica claims; wait for the others, judged by other replicas."""
        if self._coordinator is None:
            await self._judge_and_publish(pending, judge_name, judge)
            return
        try:
            claimed = await self._coordinator.claim([p.key for p in pending], self._owner, self._lock_ttl_ms)
        except Exception as exc:  # coordination is an optimisation: never a reason not to grade
            log.warning("could not claim pairs for single-flight: %s", exc)
            claimed = {p.key for p in pending}
        mine = [p for p in pending if p.key in claimed]
        elsewhere = [p for p in pending if p.key not in claimed]
        if elsewhere:
            self._spawn(self._await_elsewhere(elsewhere, judge_name, judge))
        if mine:
            try:
                await self._judge_and_publish(mine, judge_name, judge)
            finally:
                try:
                    await self._coordinator.release([p.key for p in mine], self._owner)
                except Exception as exc:
                    log.warning("could not release single-flight locks (they expire): %s", exc)

    async def _await_elsewhere(self, pending: list[_Pending], judge_name: str, judge: Judge) -> None:
        """Poll the shared cache for pairs another replica is judging; take over a pair whose
        lock disappeared without a grade (that replica died, or its judge failed)."""
        assert self._coordinator is not None
        deadline = time.monotonic() + self._lock_ttl_ms / 1000 * 2
        remaining = {p.key: p for p in pending}
        try:
            while remaining:
                await asyncio.sleep(self._poll_s)
                found = await self._cache_get(list(remaining))
                for key, judgement in found.items():
                    self._resolve(key, Grade(Status.OK, judgement.category, Source.CACHE, judgement.probabilities))
                    remaining.pop(key)
                if not remaining:
                    return
                held = await self._coordinator.locked(list(remaining))
                orphans = [p for key, p in remaining.items() if key not in held]
                if orphans:
                    for p in orphans:
                        remaining.pop(p.key)
                    self._spawn(self._claim_and_judge(orphans, judge_name, judge))
                if time.monotonic() > deadline:
                    for key in list(remaining):
                        self._resolve(key, Grade.failed(Status.JUDGE_ERROR, "timed out waiting for another replica"))
                    return
        except Exception as exc:
            for key in remaining:
                self._resolve(key, Grade.failed(Status.JUDGE_ERROR, f"waiting for another replica failed: {exc}"))

    def _resolve(self, key: str, grade: Grade) -> None:
        future = self._inflight.pop(key, None)
        if future is not None and not future.done():
            future.set_result(grade)

    async def _judge_and_publish(self, pending: list[_Pending], judge_name: str, judge: Judge) -> None:
        try:
            chunks = [pending[i : i + self._judge_batch_size] for i in range(0, len(pending), self._judge_batch_size)]
            await asyncio.gather(*(self._judge_chunk(chunk, judge_name, judge) for chunk in chunks))
        finally:
            # Whatever happened, nobody may wait forever.
            for item in pending:
                self._resolve(item.key, Grade.failed(Status.JUDGE_ERROR, "judging was interrupted"))

    async def _judge_chunk(self, chunk: list[_Pending], judge_name: str, judge: Judge) -> None:
        started = time.perf_counter()
        try:
            outcomes = await judge.judge([item.request for item in chunk])
            if len(outcomes) != len(chunk):
                raise RuntimeError(f"judge returned {len(outcomes)} outcomes for {len(chunk)} pairs")
        except Exception as exc:  # any failure of the call becomes a per-item error
            self._observer.judge_call(judge_name, time.perf_counter() - started, len(chunk), failed=True)
            log.warning("judge %s failed on %d pairs: %s", judge_name, len(chunk), exc)
            reason = f"judge {judge_name!r} failed: {type(exc).__name__}: {exc}"
            outcomes = [JudgeFailure(reason)] * len(chunk)
        else:
            self._observer.judge_call(judge_name, time.perf_counter() - started, len(chunk), failed=False)

        fresh: dict[str, Judgement] = {}
        grades: dict[str, Grade] = {}
        for item, outcome in zip(chunk, outcomes, strict=True):
            if isinstance(outcome, Judgement):
                fresh[item.key] = outcome
                grades[item.key] = Grade(Status.OK, outcome.category, Source.JUDGE, outcome.probabilities)
            else:
                grades[item.key] = Grade.failed(Status.JUDGE_ERROR, outcome.reason)
        # Write the cache before releasing the waiters: a request arriving in between then
        # finds the grade in the cache instead of judging the pair a second time.
        if fresh:
            await self._cache_put(fresh)
        for key, grade in grades.items():
            self._resolve(key, grade)

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

    async def check_ready(self) -> dict[str, str]:
        """Readiness of each dependency: 'ok' or the reason it is not usable."""
        checks: dict[str, str] = {}
        if self._cache is not None:
            checks["cache"] = await _probe(self._cache.check_ready())
        for name, judge in self._judges.items():
            checks[f"judge:{name}"] = await _probe(judge.check_ready())
        return checks

    async def aclose(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for judge in self._judges.values():
            await judge.aclose()
        if self._cache is not None:
            await self._cache.aclose()


async def _probe(check) -> str:
    try:
        await check
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return "ok"

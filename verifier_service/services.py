"""The service's parts, built once from the settings: the composition root.

``build_services`` wires judges, the grade cache, taxonomies, the grader and the audit log
into one typed ``Services`` container; the app's lifespan builds it, the HTTP layer reaches
it through one dependency, and the CLI uses it to grade in-process.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field

from verifier_service.admission import Admission, WaitingBound
from verifier_service.audit_verdicts import VerdictCache
from verifier_service.config import Settings
from verifier_service.corrections import CorrectionsLog
from verifier_service.grading import Grader, GradingLimits, GradingResult
from verifier_service.grading.explanations import explain_grade
from verifier_service.grading.ports import Coordinator, GradeCache, Judge
from verifier_service.grading.types import GradeInput
from verifier_service.group_rewards import GroupRewards
from verifier_service.judges.prompt import PROMPT_VERSION
from verifier_service.metrics import ServiceMetrics
from verifier_service.store.audit import AuditEntry, AuditLog
from verifier_service.store.shared_state import SharedState, open_shared_state
from verifier_service.store.sqlite_cache import SQLiteGradeCache
from verifier_service.taxonomy import TaxonomyRegistry

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CacheSetup:
    """The grade cache, and the cross-replica coordinator when the cache is shared (Redis)."""

    cache: GradeCache
    coordinator: Coordinator | None = None


def build_cache(settings: Settings, metrics: ServiceMetrics | None = None) -> CacheSetup | None:
    if settings.cache == "none":
        if metrics:
            metrics.cache_configured("none")
        return None
    embedded = SQLiteGradeCache(settings.data_dir / "grades.sqlite3")
    if settings.cache == "sqlite":
        if metrics:
            metrics.cache_configured("embedded")
        return CacheSetup(embedded)
    from verifier_service.store.failover_cache import FailoverCache
    from verifier_service.store.redis_cache import RedisGradeCache

    shared = FailoverCache(
        RedisGradeCache(settings.redis_url, ttl_s=settings.redis_ttl_s),
        embedded,
        retry_s=settings.redis_retry_s,
        on_switch=metrics.cache_backend_switched if metrics else None,
    )
    if metrics:
        metrics.cache_configured("redis")
    return CacheSetup(shared, coordinator=shared)


async def build_judges(settings: Settings) -> dict[str, Judge]:
    """The judges of ``settings.judges`` (local models load here, off the event loop)."""
    from verifier_service.config import EscalatingJudgeSettings
    from verifier_service.judges.escalating import EscalatingJudge
    from verifier_service.judges.factory import build_judge

    judges: dict[str, Judge] = {}
    for name, judge_settings in settings.judges.items():
        if isinstance(judge_settings, EscalatingJudgeSettings):
            continue  # built from the others, below
        log.info("loading judge %s (%s)", name, judge_settings.kind)
        judges[name] = await asyncio.to_thread(build_judge, name, judge_settings)
    for name, judge_settings in settings.judges.items():
        if isinstance(judge_settings, EscalatingJudgeSettings):
            first, second = judges[judge_settings.first], judges[judge_settings.second]
            judges[name] = EscalatingJudge(first, second, below=judge_settings.below, name=name)
    return judges


class CachedReadiness:
    """The dependencies' readiness, asked at most once per ``ttl_s``: a readiness probe every few
    seconds must not turn into a generation on the judge every few seconds (SGLang's
    /health_generate runs one and takes over a second). Concurrent askers share one check."""

    def __init__(self, check: Callable[[], Awaitable[dict[str, str]]], ttl_s: float) -> None:
        self._check = check
        self._ttl_s = ttl_s
        self._result: dict[str, str] | None = None
        self._at = 0.0
        self._lock = asyncio.Lock()

    async def get(self) -> dict[str, str]:
        if self._result is not None and time.monotonic() - self._at < self._ttl_s:
            return self._result
        async with self._lock:
            if self._result is None or time.monotonic() - self._at >= self._ttl_s:
                self._result = await self._check()
                self._at = time.monotonic()
        return self._result


@dataclass
class Services:
    settings: Settings
    metrics: ServiceMetrics
    state: SharedState  # what every replica sees: uploads, corrections
    taxonomies: TaxonomyRegistry
    grader: Grader
    audit_log: AuditLog | None
    admission: Admission
    group_rewards: GroupRewards
    corrections: CorrectionsLog
    readiness: CachedReadiness
    api_keys: tuple[bytes, ...] = ()
    verdicts: VerdictCache = field(default_factory=VerdictCache)  # what the audit log records per grade
    background: list[asyncio.Task] = field(default_factory=list)  # cancelled by aclose

    async def shared_state_check(self) -> str:
        """'ok', or 'degraded: ...' (still ready: reads are served from the last snapshot, writes are
        refused) while a feature cannot sync. Not cached: it reads two flags."""
        features = (self.taxonomies.synced, self.corrections.synced)
        for feature in features:  # a replica nobody sends requests to still finds out the store is back
            await feature.ensure()
        stale = [f"{s.name}: {s.unavailable}" for s in features if s.unavailable is not None]
        return f"degraded: serving the last snapshot, writes refused ({'; '.join(stale)})" if stale else "ok"

    async def explain(
        self, items: Sequence[GradeInput], result: GradingResult, taxonomy: str | None
    ) -> list[dict[str, object]]:
        """One explanation per item (``grading/explanations.py``); each distinct pair is explained once."""
        default = taxonomy if taxonomy is not None else self.grader.default_taxonomy

        def work() -> list[dict[str, object]]:
            done: dict[tuple[GradeInput, int], dict[str, object]] = {}
            explained = []
            for item, grade in zip(items, result.grades, strict=True):
                key = (item, id(grade))
                if key not in done:
                    name = item.taxonomy or default
                    tree = self.taxonomies.get(name) if name is not None else None
                    done[key] = explain_grade(item, grade, tree, judge=result.judge, prompt_version=PROMPT_VERSION)
                explained.append(done[key])
            return explained

        return await asyncio.to_thread(work)

    async def audit(
        self,
        endpoint: str,
        result: GradingResult,
        items: Sequence[GradeInput],
        *,
        run: str | None,
        taxonomy: str | None,
        ids: Sequence[object] | None = None,
    ) -> str:
        """Record the answered request under a new request id, which is returned, once it is
        committed. A failed write is logged and counted, never withheld from the client: the
        grades are the product."""
        request_id = uuid.uuid4().hex
        if self.audit_log is None:
            return request_id
        # Items share grade objects (one per distinct pair): each distinct verdict is stored once.
        position: dict[int, int] = {}
        verdicts: list[tuple] = []
        verdict = []
        for grade in result.grades:
            index = position.get(id(grade))
            if index is None:
                index = position[id(grade)] = len(verdicts)
                verdicts.append(self.verdicts.verdict(grade))
            verdict.append(index)
        entry = AuditEntry(
            request_id,
            endpoint,
            run,
            result.judge,
            taxonomy,
            ground_truths=[item[0] for item in items],
            predictions=[item[1] for item in items],
            verdicts=verdicts,
            verdict=verdict,
            ids=ids if ids and any(i is not None for i in ids) else None,
            taxonomies=[item[2] for item in items] if any(item[2] for item in items) else None,
        )
        try:
            await self.audit_log.record(entry)
        except Exception as exc:
            log.warning("audit write failed for request %s: %s", request_id, exc)
            self.metrics.audit_errors.inc()
        return request_id

    async def aclose(self) -> None:
        for task in self.background:
            task.cancel()
        await asyncio.gather(*self.background, return_exceptions=True)
        await self.group_rewards.aclose()
        await self.grader.aclose()
        await self.state.aclose()
        if self.audit_log is not None:
            self.audit_log.close()


def build_audit_log(settings: Settings) -> AuditLog | None:
    if not settings.audit:
        return None
    return AuditLog(
        settings.data_dir / "audit.db",
        retention_s=settings.audit_retention_days * 86400 if settings.audit_retention_days else None,
        max_bytes=int(settings.audit_max_mb * 1_000_000) if settings.audit_max_mb else None,
        prune_every_s=settings.audit_prune_interval_s,
        synchronous=settings.audit_synchronous,
    )


async def open_taxonomies(settings: Settings) -> tuple[SharedState, TaxonomyRegistry]:
    """The shared state and the taxonomies the settings describe, uploads included (synced)."""
    state = open_shared_state(settings.cache, settings.data_dir, settings.redis_url)
    taxonomies = await asyncio.to_thread(
        TaxonomyRegistry.load,
        data_dir=settings.data_dir,
        bundled=settings.bundled_taxonomies,
        paths=settings.taxonomy_paths,
        wordnet=settings.wordnet,
        wordnet_path=settings.wordnet_path,
        state=state,
        max_uploads=settings.max_uploaded_taxonomies,
        max_nodes=settings.max_taxonomy_nodes,
        max_term_chars=settings.max_taxonomy_term_chars,
        sync_interval_s=settings.state_sync_s,
    )
    await taxonomies.import_files(settings.data_dir)
    await taxonomies.sync(force=True)
    return state, taxonomies


async def build_services(
    settings: Settings,
    *,
    metrics: ServiceMetrics | None = None,
    api_keys: tuple[bytes, ...] = (),
    extra_judges: Mapping[str, Judge] | None = None,
    apply_corrections: bool = True,
) -> Services:
    """Everything the settings describe. ``extra_judges`` adds judge objects built by the caller
    (an embedding application, a test). ``apply_corrections=False`` grades as if no person had
    corrected anything (measuring a judge: a correction scored against itself says nothing)."""
    metrics = metrics or ServiceMetrics()
    judges = {**(extra_judges or {}), **await build_judges(settings)}
    for name, judge in judges.items():
        if callable(circuit_state := getattr(judge, "circuit_state", None)):
            metrics.watch_breaker(name, circuit_state)
        if hasattr(judge, "escalated"):
            metrics.watch_escalations(name, judge)
    metrics.in_flight_limit.set(settings.max_items_in_flight)
    state, taxonomies = await open_taxonomies(settings)
    corrections = CorrectionsLog(state, sync_interval_s=settings.state_sync_s)
    await corrections.sync(force=True)
    metrics.corrections_active.set_function(lambda: len(corrections.book.active))
    metrics.watch_log("corrections", corrections)
    for synced in (taxonomies.synced, corrections.synced):
        metrics.shared_state_stale.labels(synced.name).set_function(lambda s=synced: float(s.unavailable is not None))
    cache = build_cache(settings, metrics)
    if settings.default_taxonomy is not None and settings.default_taxonomy not in taxonomies:
        raise ValueError(
            f"default_taxonomy {settings.default_taxonomy!r} is not loaded (loaded: {sorted(taxonomies)}); "
            "for 'wordnet' set wordnet: true"
        )
    admission = Admission(settings.max_items_in_flight)
    grader = Grader(
        judges=judges,
        default_judge=settings.default_judge,
        taxonomies=taxonomies,
        default_taxonomy=settings.default_taxonomy,
        cache=cache.cache if cache else None,
        coordinator=cache.coordinator if cache else None,
        observer=metrics,
        judge_batch_size=settings.judge_batch_size,
        lock_ttl_s=settings.lock_ttl_s,
        judge_deadline_s=settings.judge_deadline_s,
        memo_size=settings.grade_memo_size,
        memo_bytes=int(settings.grade_memo_mb * 1_000_000),
        limits=GradingLimits(max_items=settings.max_items_per_request, max_label_chars=settings.max_label_chars),
        corrections=(lambda: corrections.book) if apply_corrections else None,
    )
    return Services(
        settings=settings,
        metrics=metrics,
        state=state,
        taxonomies=taxonomies,
        grader=grader,
        audit_log=build_audit_log(settings),
        admission=admission,
        corrections=corrections,
        group_rewards=GroupRewards(
            state,
            grader,
            ttl_s=settings.group_ttl_s,
            poll_s=settings.group_poll_s,
            admission=admission,
            waiting=WaitingBound(settings.group_waiting_max),
            open_max=settings.group_open_max,
            lease_s=settings.group_lease_s,
        ),
        readiness=CachedReadiness(grader.check_ready, settings.readiness_cache_s),
        api_keys=api_keys,
        background=[asyncio.create_task(corrections.synced.keep(), name="corrections-sync")],
    )

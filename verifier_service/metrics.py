"""Prometheus metrics of one service instance (a registry per app, no globals)."""

from __future__ import annotations

import logging
from collections import Counter as Tally
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily

from verifier_service.grading.types import Grade, Unsettled
from verifier_service.grading.unsettled import UNKNOWN_GROUND_TRUTH

log = logging.getLogger(__name__)


class ServiceMetrics:
    """Implements the core's ``GradingObserver`` and the HTTP-level counters."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self._backend: str | None = None
        self._configured_backend: str | None = None
        self.requests = Counter(
            "verifier_requests", "HTTP requests answered", ["endpoint", "code"], registry=self.registry
        )
        self.items = Counter(
            "verifier_items",
            "Items graded, by the tier that settled them, their category and status",
            ["source", "category", "status"],
            registry=self.registry,
        )
        self.judge_latency = Histogram(
            "verifier_judge_latency_seconds",
            "Wall time of one judge call",
            ["judge"],
            buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
            registry=self.registry,
        )
        self.judge_reasons = Counter(
            "verifier_judge_reasons",
            "Distinct pairs sent to a judge, by why the exact tiers could not settle them (unknown ground "
            "truth, unknown prediction, declared overlap, unsure group member, no taxonomy, ...)",
            ["reason"],
            registry=self.registry,
        )
        self._unknown_reported: set[tuple[str | None, str]] = set()  # (taxonomy, ground truth) logged once
        self.judge_pairs = Counter(
            "verifier_judge_pairs",
            "Pairs sent to a judge, by outcome (ok, failed)",
            ["judge", "outcome"],
            registry=self.registry,
        )
        self.judge_failures = Counter(
            "verifier_judge_failures",
            "Pairs a judge could not grade, by reason (unavailable, protocol, not_a_category, ...)",
            ["judge", "reason"],
            registry=self.registry,
        )
        self.unscored_rollouts = Counter(
            "verifier_unscored_rollouts",
            "Rollouts answered 0.0 because their group has no reward (OpenRLHF's remote URL), by why "
            "(incomplete, unscorable, late, conflict, ambiguous)",
            ["why"],
            registry=self.registry,
        )
        self.cache_hits = Counter("verifier_cache_hits", "Judge-tier pairs found in the cache", registry=self.registry)
        self.corrections = Counter(
            "verifier_corrections", "Human corrections recorded, by action (set, revert)", ["action"],
            registry=self.registry,
        )  # fmt: skip
        self.shared_state_stale = Gauge(
            "verifier_shared_state_stale",
            "1 while this replica serves a feature's shared state from its last snapshot (the store is unreachable)",
            ["feature"],
            registry=self.registry,
        )
        self.corrections_active = Gauge(
            "verifier_corrections_active", "Corrections in force (this replica's view)", registry=self.registry
        )
        self.review_queue = Gauge(
            "verifier_review_queue", "Pairs in the review queue, as last computed (GET /review-queue, no filter)",
            registry=self.registry,
        )  # fmt: skip
        self.cache_misses = Counter(
            "verifier_cache_misses", "Judge-tier pairs not found in the cache", registry=self.registry
        )
        self.cache_errors = Counter(
            "verifier_cache_errors", "Failed cache operations", ["operation"], registry=self.registry
        )
        self.audit_errors = Counter(
            "verifier_audit_errors",
            "Audit-log writes that failed (the grades were still returned)",
            registry=self.registry,
        )
        self.cache_backend = Gauge(
            "verifier_cache_backend",
            "1 for the cache backend in use: redis, embedded (SQLite: configured, or while Redis is down), none",
            ["backend"],
            registry=self.registry,
        )
        self.cache_fallback = Gauge(
            "verifier_cache_fallback",
            "1 while the configured Redis is replaced by the embedded cache",
            registry=self.registry,
        )
        self.cache_switches = Counter(
            "verifier_cache_switches", "Switches between Redis and the embedded cache", registry=self.registry
        )
        self.in_flight_items = Gauge("verifier_items_in_flight", "Items being graded right now", registry=self.registry)
        self.in_flight_limit = Gauge(
            "verifier_items_in_flight_limit",
            "Items that may be graded at once (max_items_in_flight): requests beyond it are refused with 503",
            registry=self.registry,
        )
        self.breaker_open = Gauge(
            "verifier_judge_breaker_open",
            "1 while a remote judge's circuit breaker is not closed (open, or half-open awaiting a trial)",
            ["judge"],
            registry=self.registry,
        )
        self._escalating: dict[str, Any] = {}
        self.registry.register(_EscalationCollector(self._escalating))
        self._logs: dict[str, Any] = {}
        self.registry.register(_StoreLossCollector(self._logs))

    # ---- set once at start ---------------------------------------------------------
    def cache_configured(self, backend: str) -> None:
        """The cache backend the settings ask for (redis, embedded or none): in use from the start."""
        self._configured_backend = backend
        self.cache_backend_switched(backend)

    def watch_escalations(self, judge: str, escalating: Any) -> None:
        """Report an escalating judge's counts (``judged``, ``escalated``) at every scrape."""
        self._escalating[judge] = escalating

    def watch_log(self, feature: str, log: Any) -> None:
        """Report a shared log's losses (``rewinds``: the store held less than this replica saw;
        ``divergences``: of those, the ones it could not put back) at every scrape."""
        self._logs[feature] = log

    def watch_breaker(self, judge: str, state: Callable[[], str]) -> None:
        """Report ``judge``'s breaker at every scrape, from its ``state()`` (closed, open, half-open)."""
        self.breaker_open.labels(judge).set_function(lambda: float(state() != "closed"))

    # ---- GradingObserver -----------------------------------------------------------
    def items_graded(self, counts: Sequence[tuple[Grade, int]]) -> None:
        tally: Tally[tuple[str, str, str]] = Tally()
        for grade, items in counts:
            labels = (
                grade.source.value if grade.source else "none",
                grade.category.value if grade.category else "none",
                grade.status.value,
            )
            tally[labels] += items
        for (source, category, status), count in tally.items():
            self.items.labels(source, category, status).inc(count)

    def cache_lookups(self, hits: int, misses: int) -> None:
        self.cache_hits.inc(hits)
        self.cache_misses.inc(misses)

    def cache_backend_switched(self, backend: str) -> None:
        if self._backend is not None and backend != self._backend:
            self.cache_switches.inc()
        self._backend = backend
        # A line per backend this instance can use: a configured Redis and its embedded fallback,
        # or the one configured backend.
        usable = {"redis", "embedded"} if self._configured_backend == "redis" else {backend}
        for name in usable | {backend}:
            self.cache_backend.labels(name).set(1 if name == backend else 0)
        self.cache_fallback.set(1 if self._configured_backend == "redis" and backend != "redis" else 0)

    def cache_error(self, operation: str) -> None:
        self.cache_errors.labels(operation).inc()

    def judge_call(self, judge: str, seconds: float, ok: int, failures: Mapping[str, int]) -> None:
        self.judge_latency.labels(judge).observe(seconds)
        self.judge_pairs.labels(judge, "ok").inc(ok)
        self.judge_pairs.labels(judge, "failed").inc(sum(failures.values()))
        for reason, count in failures.items():
            self.judge_failures.labels(judge, reason).inc(count)

    def in_flight(self, delta: int) -> None:
        self.in_flight_items.inc(delta)

    def judge_reason(self, why: Unsettled, taxonomy: str | None) -> None:
        self.judge_reasons.labels(why.code).inc()
        if why.code == UNKNOWN_GROUND_TRUTH and len(self._unknown_reported) < 10_000:
            # Once per taxonomy and label: a typo in one class name sends all of its pairs to the judge.
            if (taxonomy, why.term) not in self._unknown_reported:
                self._unknown_reported.add((taxonomy, why.term))
                log.warning("judge asked because %s", why.text)


class _StoreLossCollector:
    """``verifier_shared_state_rewinds_total`` and ``verifier_shared_state_divergences_total`` per feature."""

    def __init__(self, logs: Mapping[str, Any]) -> None:
        self._logs = logs

    def collect(self):
        rewinds = CounterMetricFamily(
            "verifier_shared_state_rewinds",
            "Times the store held less of a shared log than this replica had seen (restarted empty, lagging copy)",
            labels=["feature"],
        )
        divergences = CounterMetricFamily(
            "verifier_shared_state_divergences",
            "Of those, times the store held other entries where this replica's were (not put back)",
            labels=["feature"],
        )
        for feature, log in self._logs.items():
            rewinds.add_metric([feature], log.rewinds)
            divergences.add_metric([feature], log.divergences)
        yield rewinds
        yield divergences


class _EscalationCollector:
    """``verifier_judge_escalations_total``: pairs an escalating judge sent on to its second judge,
    next to the pairs it judged (``verifier_judge_escalation_candidates_total``)."""

    def __init__(self, judges: Mapping[str, Any]) -> None:
        self._judges = judges

    def collect(self):
        escalated = CounterMetricFamily(
            "verifier_judge_escalations", "Pairs sent on to the second judge (first judge unsure)", labels=["judge"]
        )
        judged = CounterMetricFamily(
            "verifier_judge_escalation_candidates", "Pairs an escalating judge judged", labels=["judge"]
        )
        for name, judge in self._judges.items():
            escalated.add_metric([name], judge.escalated)
            judged.add_metric([name], judge.judged)
        yield escalated
        yield judged

"""Prometheus metrics of one service instance (a registry per app, no globals)."""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Mapping, Sequence

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from verifier_service.grading.types import Grade


class ServiceMetrics:
    """Implements the core's ``GradingObserver`` and the HTTP-level counters."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self._backend: str | None = None
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
        self.cache_hits = Counter("verifier_cache_hits", "Judge-tier pairs found in the cache", registry=self.registry)
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
            "1 for the cache backend in use (redis, or embedded while Redis is down)",
            ["backend"],
            registry=self.registry,
        )
        self.cache_switches = Counter(
            "verifier_cache_switches", "Switches between Redis and the embedded cache", registry=self.registry
        )
        self.in_flight_items = Gauge("verifier_items_in_flight", "Items being graded right now", registry=self.registry)

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
        for name in ("redis", "embedded"):
            self.cache_backend.labels(name).set(1 if name == backend else 0)

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

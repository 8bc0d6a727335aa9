"""The audit log's verdict of each grade object, built once per object instead of once per request."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from verifier_service.grading.types import Grade


def rounded(probabilities: Mapping[str, float] | None) -> dict[str, float] | None:
    return {name: round(p, 3) for name, p in probabilities.items()} if probabilities else None


def verdict_of(grade: Grade) -> tuple[Any, ...]:
    """``store.audit.VERDICT_FIELDS`` of one grade: the judge's distribution rounded, for the review queue."""
    category, source = grade.category, grade.source
    return (
        grade.status.value,
        category and category.value,
        source and source.value,
        grade.reason,
        grade.error,
        rounded(grade.probabilities),
        grade.overruled and grade.overruled.value,
    )


class VerdictCache:
    """On a warm path the same grade objects (the memo's, one per distinct pair) answer request
    after request: their verdicts, the rounded distribution above all, are built once. Keyed by the
    object's id, with the object kept beside its verdict so that the id cannot be reused while
    cached; bounded (``size`` objects, then it starts again)."""

    def __init__(self, size: int = 50_000) -> None:
        self.size = size
        self._by_id: dict[int, tuple[Grade, tuple[Any, ...]]] = {}

    def verdict(self, grade: Grade) -> tuple[Any, ...]:
        found = self._by_id.get(id(grade))
        if found is not None and found[0] is grade:
            return found[1]
        if len(self._by_id) >= self.size:
            self._by_id.clear()
        built = verdict_of(grade)
        self._by_id[id(grade)] = (grade, built)
        return built

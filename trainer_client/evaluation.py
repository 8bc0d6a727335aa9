"""Evaluation metrics of the method (pure): category shares, weighted score, best-of-N."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

from trainer_client.protocol import (
    ABSTAIN,
    ERROR,
    GENERIC,
    LESS_SPECIFIC,
    MORE_SPECIFIC,
    SPECIFIC,
    UNPARSEABLE,
    WRONG,
)
from trainer_client.ranks import EVALUATION_ORDER

# Columns of every report, in order.
REPORT_CATEGORIES = (MORE_SPECIFIC, SPECIFIC, LESS_SPECIFIC, GENERIC, ABSTAIN, WRONG, UNPARSEABLE, ERROR)

WEIGHTS = {
    MORE_SPECIFIC: 1.0,
    SPECIFIC: 1.0,
    LESS_SPECIFIC: 0.6,
    GENERIC: 0.2,
    ABSTAIN: 0.0,
    WRONG: -1.0,
    UNPARSEABLE: -1.0,
}


@dataclass(frozen=True)
class Scores:
    """Shares (in %) of each category over all predictions, and the weighted score.

    The weighted score averages over the predictions that could be scored: errors (the
    verifier could not grade them) are counted in ``errors`` and left out of it.
    """

    count: int
    percentages: dict[str, float]
    weighted_score: float | None
    errors: int

    def as_row(self) -> dict[str, float | int | None]:
        return {"count": self.count, **self.percentages, "weighted_score": self.weighted_score, "errors": self.errors}


def score(categories: Sequence[str]) -> Scores:
    counts = Counter(categories)
    unknown = set(counts) - set(REPORT_CATEGORIES)
    if unknown:
        raise ValueError(f"unknown categories {sorted(unknown)}")
    total = len(categories)
    percentages = {c: (100.0 * counts[c] / total if total else 0.0) for c in REPORT_CATEGORIES}
    scored = [WEIGHTS[c] for c in categories if c != ERROR]
    return Scores(
        count=total,
        percentages=percentages,
        weighted_score=sum(scored) / len(scored) if scored else None,
        errors=counts[ERROR],
    )


def best_of_n(categories: Sequence[str], sample_ids: Sequence[Hashable]) -> list[str]:
    """The best-ranked category of each sample's predictions (``EVALUATION_ORDER``); errors are
    never best, and a sample is an error only when all its predictions are."""
    if len(categories) != len(sample_ids):
        raise ValueError(f"{len(categories)} categories but {len(sample_ids)} sample ids")
    by_sample: dict[Hashable, list[str]] = defaultdict(list)
    for category, sample in zip(categories, sample_ids, strict=True):
        by_sample[sample].append(category)
    best = []
    for group in by_sample.values():
        ranked = [c for c in group if c != ERROR]
        best.append(min(ranked, key=EVALUATION_ORDER.index) if ranked else ERROR)
    return best

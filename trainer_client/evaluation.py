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
        """Rounded for reports: shares to 0.01%, the score to 1e-6 (a sum of weights that should be
        0 prints as 0.0, not 2e-17)."""
        score = None if self.weighted_score is None else round(self.weighted_score, 6) + 0.0
        shares = {c: round(p, 2) for c, p in self.percentages.items()}
        return {"count": self.count, **shares, "weighted_score": score, "errors": self.errors}


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
    """The best-ranked category of each sample's predictions (``EVALUATION_ORDER``).

    A prediction the verifier could not grade (``error``) might have been the best: a sample
    with one is ``error`` (left out of the weighted score and counted in ``errors``), unless
    its graded predictions already reach the top rank, which nothing could beat. A sample is
    never scored -1 for predictions that were not graded."""
    if len(categories) != len(sample_ids):
        raise ValueError(f"{len(categories)} categories but {len(sample_ids)} sample ids")
    by_sample: dict[Hashable, list[str]] = defaultdict(list)
    for category, sample in zip(categories, sample_ids, strict=True):
        by_sample[sample].append(category)
    best = []
    for group in by_sample.values():
        ranked = [c for c in group if c != ERROR]
        top = min(ranked, key=EVALUATION_ORDER.index) if ranked else ERROR
        unsure = ERROR in group and top != EVALUATION_ORDER[0]
        best.append(ERROR if unsure else top)
    return best

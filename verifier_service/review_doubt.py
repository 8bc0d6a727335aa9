"""How doubtful a judge's grade is, the first factor of the review queue's order (doubt x impact)."""

from __future__ import annotations

from collections.abc import Mapping


def margin(probabilities: Mapping[str, float] | None) -> float | None:
    """The lead of the judge's top category over its second (None: no distribution)."""
    if not probabilities:
        return None
    ranked = sorted(probabilities.values(), reverse=True) + [0.0]
    return ranked[0] - ranked[1]


def doubt(category: str | None, probabilities: Mapping[str, float] | None, overruled: str | None) -> float:
    """1 when the judge failed (no category) or an escalation overruled its first opinion; else one
    minus the margin (a 0.51 / 0.49 split: 0.98), 0.5 without a distribution."""
    if category is None or overruled is not None:
        return 1.0
    lead = margin(probabilities)
    return 0.5 if lead is None else round(1.0 - lead, 4)

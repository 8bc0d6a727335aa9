"""Option scoring: from the log-probability of each category reply to a verdict.

Every backend that can score replies (the in-process model, SGLang) computes, for each of
the six category strings followed by the end-of-turn token, log P(reply | prompt). The
softmax over the six is the distribution that a decoder constrained to exactly these six
replies samples from at temperature 1; its argmax is the verdict. Ending each reply with
the end-of-turn token matters: without it "specific" would also collect the probability
of every longer reply that starts with it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from verifier_service.grading.categories import CATEGORIES
from verifier_service.grading.types import Judgement


def judgement_from_option_logprobs(totals: Sequence[float]) -> Judgement:
    """The verdict and distribution from one total log-probability per category (in ``CATEGORIES`` order)."""
    if len(totals) != len(CATEGORIES):
        raise ValueError(f"expected {len(CATEGORIES)} option scores, got {len(totals)}")
    if not all(math.isfinite(t) or t == -math.inf for t in totals) or max(totals) == -math.inf:
        raise ValueError(f"option log-probabilities are not usable: {list(totals)}")
    top = max(totals)
    weights = [math.exp(t - top) for t in totals]
    norm = sum(weights)
    probabilities = {category.value: w / norm for category, w in zip(CATEGORIES, weights, strict=True)}
    best = max(range(len(CATEGORIES)), key=lambda i: totals[i])
    return Judgement(CATEGORIES[best], probabilities)

"""Option scoring: from the log-probability of each category reply to a verdict.

Every backend that can score replies (the in-process model, SGLang) computes, for each of
the six category strings followed by the end-of-turn token, log P(reply | prompt). The
softmax over the six is the distribution that a decoder constrained to exactly these six
replies samples from at temperature 1; its argmax is the verdict. Ending each reply with
the end-of-turn token matters: without it "specific" would also collect the probability
of every longer reply that starts with it.

Calibration (``content_free``, Zhao et al. 2021, "Calibrate Before Use", ICML): a small model
has a prior over the six replies that owes nothing to the pair (SmolLM2-135M puts most of its
mass on "abstain" whatever it is shown, which put it below a uniform guess on the labelled
pairs). The judge scores a few content-free pairs once (``CONTENT_FREE_REQUESTS``); the mean of
their six-way distributions is the prior, and every pair's log-probabilities are divided by it
(``log p - log prior``) before the softmax. ``none`` leaves a strong judge's scores as they are.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

from verifier_service.grading.categories import CATEGORIES
from verifier_service.grading.types import Judgement, JudgeRequest

Calibration = Literal["none", "content_free"]

# Pairs that say nothing: the empty pair, the paper's "N/A" (normalised as the pipeline would),
# and a placeholder word.
CONTENT_FREE_REQUESTS = (JudgeRequest("", ""), JudgeRequest("n a", "n a"), JudgeRequest("x", "x"))


def _log_softmax(totals: Sequence[float]) -> list[float]:
    top = max(totals)
    log_norm = top + math.log(sum(math.exp(t - top) for t in totals))
    return [t - log_norm for t in totals]


def option_prior(content_free_totals: Sequence[Sequence[float]]) -> list[float]:
    """The log of the mean six-way distribution over the content-free pairs' option scores."""
    if not content_free_totals:
        raise ValueError("no content-free scores to calibrate with")
    distributions = [[math.exp(x) for x in _log_softmax(totals)] for totals in content_free_totals]
    means = [sum(column) / len(distributions) for column in zip(*distributions, strict=True)]
    return [math.log(m) if m > 0 else -math.inf for m in means]


def calibration_label(calibration: Calibration) -> str:
    """What a judge's identity (and so the cache key) says about its calibration."""
    return "" if calibration == "none" else f"|calibration={calibration}"


def judgement_from_option_logprobs(totals: Sequence[float], prior: Sequence[float] | None = None) -> Judgement:
    """The verdict and distribution from one total log-probability per category (in ``CATEGORIES``
    order), divided by ``prior`` (``option_prior``) when the judge is calibrated."""
    if len(totals) != len(CATEGORIES):
        raise ValueError(f"expected {len(CATEGORIES)} option scores, got {len(totals)}")
    if not all(math.isfinite(t) or t == -math.inf for t in totals) or max(totals) == -math.inf:
        raise ValueError(f"option log-probabilities are not usable: {list(totals)}")
    if prior is not None:
        # an option the prior never gives stays as scored: dividing by zero would crown it
        totals = [t - p if math.isfinite(p) else t for t, p in zip(totals, prior, strict=True)]
    top = max(totals)
    weights = [math.exp(t - top) for t in totals]
    norm = sum(weights)
    probabilities = {category.value: w / norm for category, w in zip(CATEGORIES, weights, strict=True)}
    best = max(range(len(CATEGORIES)), key=lambda i: totals[i])
    return Judgement(CATEGORIES[best], probabilities)

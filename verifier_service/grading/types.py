"""Value types of the grading core: what goes in, what comes out, what a judge returns."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any, NamedTuple

from verifier_service.grading.categories import Category


class Source(str, Enum):
    """Which tier settled a grade."""

    RULE = "rule"
    TAXONOMY = "taxonomy"
    CACHE = "cache"
    JUDGE = "judge"
    HUMAN = "human"  # a person's correction (corrections.py): overrides every other tier


class Status(str, Enum):
    """Whether an item was graded; anything but ``ok`` carries no category."""

    OK = "ok"
    NO_JUDGE = "no_judge"  # the item needs a judge and none is configured
    JUDGE_ERROR = "judge_error"  # the judge was asked and failed for this item


class GradeInput(NamedTuple):
    """One (ground truth, prediction) pair as the caller sent it (a tuple: batches hold thousands)."""

    ground_truth: str
    prediction: str
    taxonomy: str | None = None  # overrides the request's taxonomy for this item


@dataclass(frozen=True, slots=True)
class Grade:
    """The verdict on one item. ``category`` is ``None`` exactly when ``status`` is not ok."""

    status: Status
    category: Category | None = None
    source: Source | None = None
    probabilities: Mapping[str, float] | None = None
    error: str | None = None
    reason: str | None = None  # a rule's grade: which rule; a judge's: why the exact tiers stopped (unsettled.py)
    overruled: Category | None = None  # a judge's grade: the escalating judge's first opinion, if it differed

    @property
    def correct(self) -> bool | None:
        return None if self.category is None else self.category.correct

    @classmethod
    def failed(cls, status: Status, error: str) -> Grade:
        return cls(status=status, error=error)


@dataclass(frozen=True, slots=True)
class JudgeRequest:
    """One normalised pair for a judge, with optional context (e.g. the ground truth's lineage)."""

    ground_truth: str
    prediction: str
    context: str | None = None
    # Where the context came from ("cub-200@<version>"): part of the cache key, not of the prompt.
    context_source: str | None = None


@dataclass(frozen=True, slots=True)
class Judgement:
    """A judge's answer for one pair: the category and, when the judge can give it,
    the probability of each of the six categories (keys are the category names)."""

    category: Category
    probabilities: Mapping[str, float] | None = None
    # An escalating judge's first judge, when it said otherwise than the second: a doubt for the
    # review queue. Not cached: the audit log records it when the pair is judged.
    overruled: Category | None = None


class JudgeUnavailable(Exception):
    """Raised by a judge adapter that cannot reach its judge (down, overloaded, breaker open, too slow)."""


class JudgeProtocolViolation(Exception):
    """Raised by a judge adapter whose judge answered something its API does not allow."""


class FailureKind(str, Enum):
    """Why a judge could not grade a pair (a metric label: keep the set small)."""

    UNAVAILABLE = "unavailable"  # not reachable, overloaded, breaker open, past its deadline
    PROTOCOL = "protocol"  # answered something its API does not allow
    NOT_A_CATEGORY = "not_a_category"  # answered, but not with one of the six categories
    INVALID_PROBABILITIES = "invalid_probabilities"  # NaN, negative, or not summing to one
    ERROR = "error"  # anything else


@dataclass(frozen=True, slots=True)
class JudgeFailure:
    """A judge could not grade one pair; ``reason`` says why, for the caller."""

    reason: str
    kind: FailureKind = FailureKind.ERROR


JudgeOutcome = Judgement | JudgeFailure


@dataclass(frozen=True, slots=True)
class Unsettled:
    """Why the exact tiers left a pair to the judge (``unsettled.py``)."""

    code: str  # one of unsettled.REASONS
    text: str  # what a user reads: the names involved, and what would settle the pair
    closest: tuple[str, ...] = ()  # an unknown ground truth's closest known names
    term: str = ""  # the name the taxonomy lacks (an unknown ground truth or prediction)

    def fields(self) -> dict[str, Any]:
        shown: dict[str, Any] = {"reason": self.code, "text": self.text}
        return {**shown, "closest": list(self.closest)} if self.closest else shown

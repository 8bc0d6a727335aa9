"""What makes a batch gradable: its limits, and the errors raised when it is not."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from verifier_service.grading.types import GradeInput


class InvalidRequest(ValueError):
    """A batch that cannot be graded as asked; nothing in it is graded. The message names the problem."""


class UnknownNameError(InvalidRequest, LookupError):
    """A request named a judge or taxonomy that is not configured."""


class InvalidItemError(InvalidRequest):
    """An item cannot be graded at all (e.g. a ground truth with no letters or digits)."""


class RequestTooLarge(InvalidRequest):
    """More items in one batch than the limit allows."""


@dataclass(frozen=True, slots=True)
class GradingLimits:
    """What one batch may hold (``None``: no limit)."""

    max_items: int | None = None
    max_label_chars: int | None = None


def check_size(items: Sequence[GradeInput], limits: GradingLimits) -> None:
    """Raise ``RequestTooLarge`` for a batch over the limit, ``InvalidItemError`` for a ground truth.

    An over-long *prediction* is not an error of the request: the policy wrote it, and it is
    graded ``wrong`` (``Grader``), so that one rambling rollout never fails a whole batch.
    """
    if limits.max_items is not None and len(items) > limits.max_items:
        raise RequestTooLarge(f"{len(items)} items in one request; the limit is {limits.max_items} (split the batch)")
    if limits.max_label_chars is None:
        return
    for index, item in enumerate(items):
        if len(item.ground_truth) > limits.max_label_chars:
            raise InvalidItemError(
                f"item {index}: ground_truth has {len(item.ground_truth)} characters; "
                f"the limit is {limits.max_label_chars}"
            )


def check_ground_truths(items: Sequence[GradeInput]) -> None:
    """A ground truth must name something: letters or digits."""
    for index, item in enumerate(items):
        if not any(ch.isalnum() for ch in item.ground_truth):
            raise InvalidItemError(f"item {index}: ground_truth {item.ground_truth!r} has no letters or digits")

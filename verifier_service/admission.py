"""Admission control: bounds the items being graded at once, whatever the entry point."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


class Overloaded(Exception):
    """Too many items are being graded to take these; the API answers 503 with ``Retry-After``."""

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class TooManyWaiting(Overloaded):
    """One caller has too many rollouts waiting for their groups; the API answers 429."""


class WaitingBound:
    """Bounds the rollouts each caller has waiting for their groups, apart from grading admission:
    a call that waits holds no grading slot, so waiting trainers never make ``/grade`` answer 503."""

    def __init__(self, max_per_caller: int, retry_after_s: int = 5) -> None:
        self.max_per_caller = max_per_caller
        self.retry_after_s = retry_after_s
        self.waiting: dict[str, int] = {}

    @contextmanager
    def hold(self, caller: str, rollouts: int) -> Iterator[None]:
        held = self.waiting.get(caller, 0)
        if held + rollouts > self.max_per_caller:
            raise TooManyWaiting(
                f"{held} rollouts of this caller already wait for their groups here (limit {self.max_per_caller}, "
                "group_waiting_max): size it to prompts x n per step",
                self.retry_after_s,
            )
        self.waiting[caller] = held + rollouts
        try:
            yield
        finally:
            self.waiting[caller] -= rollouts
            if not self.waiting[caller]:
                del self.waiting[caller]


class Admission:
    """Bounds the items being graded at once: past the bound, requests are refused with 503 and
    ``Retry-After`` instead of queueing without limit (memory stays bounded under overload)."""

    def __init__(self, max_items: int, retry_after_s: int = 1) -> None:
        self.max_items = max_items
        self.retry_after_s = retry_after_s
        self.in_flight = 0

    @contextmanager
    def admit(self, items: int) -> Iterator[None]:
        if self.in_flight and self.in_flight + items > self.max_items:
            raise Overloaded(
                f"overloaded: {self.in_flight} items are being graded (limit {self.max_items}); retry shortly",
                self.retry_after_s,
            )
        self.in_flight += items
        try:
            yield
        finally:
            self.in_flight -= items

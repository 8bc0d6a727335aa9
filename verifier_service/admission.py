"""Admission control: bounds the items being graded at once, whatever the entry point."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


class Overloaded(Exception):
    """Too many items are being graded to take these; the API answers 503 with ``Retry-After``."""

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


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

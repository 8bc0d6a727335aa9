"""A bounded in-process memory of settled grades: a repeated pair costs a dictionary look-up.

A training run sends the same pairs again and again (a policy repeats itself within a group
and across steps). Keyed by the pair exactly as sent and by everything else that decides its
grade (the taxonomy and its version, the judge), the memory answers before any per-pair work:
no Unicode defences, no normalisation, no rules, no cache read. Only successful grades are
kept; a judge's grade is kept as what it is on a later request, a cached one. Once ``size``
entries or ``max_bytes`` bytes (of the labels kept as keys) are reached the oldest entries go
first (a plain dict keeps insertion order: no bookkeeping on a hit, which is the common case on
a warm path). The grader never offers it an answer over the length limit.

It remembers under one corrections version at a time (``advance`` moves it on, forgetting all).
A batch reads and writes with the version it was planned under: a batch that was waiting on the
judge while a correction was made never puts its pre-correction grades into the newer memo.
"""

from __future__ import annotations

import sys
from dataclasses import replace

from verifier_service.grading.types import Grade, Source, Status

# (ground truth as sent, prediction as sent, (taxonomy name, taxonomy version, judge name)). A plain
# tuple, not a NamedTuple: one is built per item of every batch, and a literal costs a tenth; the
# context tuple is built once per batch and shared.
MemoKey = tuple[str, str, tuple[str | None, str | None, str | None]]


_ENTRY_OVERHEAD = 200  # the key's tuple and the dict's slot, in bytes


def _cost(key: MemoKey) -> int:
    return sys.getsizeof(key[0]) + sys.getsizeof(key[1]) + _ENTRY_OVERHEAD


class GradeMemo:
    def __init__(self, size: int, max_bytes: int = 64_000_000) -> None:
        self.size = size
        self.max_bytes = max_bytes
        self.bytes = 0  # what the kept keys cost, about
        self.version = "none"  # the corrections version every kept grade was computed under
        self._grades: dict[MemoKey, Grade] = {}

    def advance(self, version: str) -> None:
        """Remember under ``version`` from now on; grades kept under another one are forgotten."""
        if version != self.version:
            self.clear()
            self.version = version

    def get(self, key: MemoKey, version: str) -> Grade | None:
        return self._grades.get(key) if version == self.version else None

    def put(self, key: MemoKey, grade: Grade, version: str) -> None:
        cost = _cost(key)
        if version != self.version or grade.status is not Status.OK or self.size <= 0 or cost > self.max_bytes:
            return
        if grade.source is Source.JUDGE:
            grade = replace(grade, source=Source.CACHE)
        if key not in self._grades:
            self.bytes += cost
        self._grades[key] = grade
        while len(self._grades) > self.size or self.bytes > self.max_bytes:
            oldest = next(iter(self._grades))
            del self._grades[oldest]
            self.bytes -= _cost(oldest)

    def clear(self) -> None:
        self._grades.clear()
        self.bytes = 0

    def __len__(self) -> int:
        return len(self._grades)

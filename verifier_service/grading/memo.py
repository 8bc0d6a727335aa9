"""A bounded in-process memory of settled grades: a repeated pair costs a dictionary look-up.

A training run sends the same pairs again and again (a policy repeats itself within a group
and across steps). Keyed by the pair exactly as sent and by everything else that decides its
grade (the taxonomy and its version, the judge), the memory answers before any per-pair work:
no Unicode defences, no normalisation, no rules, no cache read. Only successful grades are
kept; a judge's grade is kept as what it is on a later request, a cached one. Once ``size``
is reached the oldest entries go first (a plain dict keeps insertion order: no bookkeeping on
a hit, which is the common case on a warm path).
"""

from __future__ import annotations

from dataclasses import replace

from verifier_service.grading.types import Grade, Source, Status

# (ground truth as sent, prediction as sent, (taxonomy name, taxonomy version, judge name)). A plain
# tuple, not a NamedTuple: one is built per item of every batch, and a literal costs a tenth; the
# context tuple is built once per batch and shared.
MemoKey = tuple[str, str, tuple[str | None, str | None, str | None]]


class GradeMemo:
    def __init__(self, size: int) -> None:
        self.size = size
        self._grades: dict[MemoKey, Grade] = {}

    def get(self, key: MemoKey) -> Grade | None:
        return self._grades.get(key)

    def put(self, key: MemoKey, grade: Grade) -> None:
        if grade.status is not Status.OK or self.size <= 0:
            return
        if grade.source is Source.JUDGE:
            grade = replace(grade, source=Source.CACHE)
        self._grades[key] = grade
        while len(self._grades) > self.size:
            del self._grades[next(iter(self._grades))]

    def __len__(self) -> int:
        return len(self._grades)

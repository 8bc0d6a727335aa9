"""Test doubles implementing the core's ports, with call recording."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence

from verifier_service.grading import CATEGORY_NAMES, Category, JudgeFailure, Judgement, JudgeOutcome, JudgeRequest


class ScriptedJudge:
    """Answers from a table {(ground truth, prediction): category}; unknown pairs -> ``default``.

    Records every call, can be slowed down, and can fail whole calls or single pairs.
    """

    def __init__(
        self,
        table: Mapping[tuple[str, str], Category] | None = None,
        *,
        default: Category = Category.WRONG,
        delay: float = 0.0,
        fail_calls: bool = False,
        fail_pairs: frozenset[tuple[str, str]] = frozenset(),
        identity: str = "scripted|prompt=test",
    ) -> None:
        self.table = dict(table or {})
        self.default = default
        self.delay = delay
        self.fail_calls = fail_calls
        self.fail_pairs = fail_pairs
        self._identity = identity
        self.calls: list[list[JudgeRequest]] = []
        self.closed = False

    async def identity(self) -> str:
        return self._identity

    @property
    def judged(self) -> list[JudgeRequest]:
        return [r for call in self.calls for r in call]

    async def judge(self, requests: Sequence[JudgeRequest]) -> list[JudgeOutcome]:
        self.calls.append(list(requests))
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.fail_calls:
            raise ConnectionError("judge is down")
        outcomes: list[JudgeOutcome] = []
        for r in requests:
            if (r.ground_truth, r.prediction) in self.fail_pairs:
                outcomes.append(JudgeFailure("scripted failure"))
                continue
            category = self.table.get((r.ground_truth, r.prediction), self.default)
            probabilities = {name: (0.9 if name == category.value else 0.02) for name in CATEGORY_NAMES}
            outcomes.append(Judgement(category, probabilities))
        return outcomes

    async def check_ready(self) -> None:
        if self.fail_calls:
            raise ConnectionError("judge is down")

    async def aclose(self) -> None:
        self.closed = True

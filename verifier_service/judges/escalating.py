"""Escalation to a stronger judge for the pairs the first judge is unsure of.

The method trained with one judge and evaluated with a bigger one. With the probabilities in
hand, a configuration can do both at once: every pair goes to the ``first`` judge, and a pair
whose top probability is under ``below`` goes on to the ``second``, whose verdict is the grade.
A pair whose escalation fails is an error (``judge_error``), never the first judge's unsure
verdict passed off as the second's. The identity names both judges and the threshold, so these
grades are cached apart from either judge's own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from verifier_service.grading.ports import Judge
from verifier_service.grading.types import FailureKind, JudgeFailure, Judgement, JudgeOutcome, JudgeRequest


class EscalatingJudge:
    def __init__(self, first: Judge, second: Judge, *, below: float, name: str = "escalating") -> None:
        if not 0 < below <= 1:
            raise ValueError("below must be in (0, 1]")
        self.first = first
        self.second = second
        self.below = below
        self.name = name
        self.judged = 0  # pairs judged
        self.escalated = 0  # pairs sent on to the second judge

    async def identity(self) -> str:
        return f"escalating({await self.first.identity()} -> {await self.second.identity()} below {self.below})"

    def unsure(self, outcome: JudgeOutcome) -> bool:
        return (
            isinstance(outcome, Judgement)
            and outcome.probabilities is not None
            and max(outcome.probabilities.values()) < self.below
        )

    async def judge(self, requests: Sequence[JudgeRequest]) -> list[JudgeOutcome]:
        outcomes = list(await self.first.judge(requests))
        if len(outcomes) != len(requests):
            raise RuntimeError(f"judge returned {len(outcomes)} outcomes for {len(requests)} pairs")
        unsure = [i for i, outcome in enumerate(outcomes) if self.unsure(outcome)]
        self.judged += len(requests)
        self.escalated += len(unsure)
        if not unsure:
            return outcomes
        try:
            second = list(await self.second.judge([requests[i] for i in unsure]))
            if len(second) != len(unsure):
                raise RuntimeError(f"judge returned {len(second)} outcomes for {len(unsure)} pairs")
        except Exception as exc:  # the escalated pairs fail; the sure ones keep their grades
            reason = f"escalation to the second judge failed: {type(exc).__name__}: {exc}"
            failure = JudgeFailure(reason, FailureKind.UNAVAILABLE)
            second = [failure] * len(unsure)
        for i, outcome in zip(unsure, second, strict=True):
            first = outcomes[i]
            disagreed = isinstance(outcome, Judgement) and isinstance(first, Judgement)
            if disagreed and first.category is not outcome.category:  # type: ignore[union-attr]
                outcome = replace(outcome, overruled=first.category)  # type: ignore[arg-type, union-attr]
            outcomes[i] = outcome
        return outcomes

    async def check_ready(self) -> None:
        await self.first.check_ready()
        await self.second.check_ready()

    async def aclose(self) -> None:
        return None  # the two judges are configured entries of their own: the service closes them

"""A hung judge costs a bounded wait; failed pairs are counted and logged by reason; a judge's
nonsense (NaN probabilities) is never a grade (issue 18, items 3, 7 and 11)."""

import asyncio
import logging
import math
import time

from support.fakes import ScriptedJudge

from verifier_service.config import RemotePolicy
from verifier_service.grading import Category, GradeInput, Grader, JudgeFailure, Judgement, Status
from verifier_service.grading.types import FailureKind
from verifier_service.judges.openai_compat import first_token_distribution
from verifier_service.judges.resilience import JudgeUnavailableError, RemoteCaller
from verifier_service.metrics import ServiceMetrics
from verifier_service.store.sqlite_cache import SQLiteGradeCache


async def test_the_deadline_covers_waiting_for_a_slot():
    caller = RemoteCaller(RemotePolicy(timeout=0.5, max_concurrency=2, retries=0, breaker_failures=100))

    async def hang():
        await asyncio.sleep(3600)

    started = time.monotonic()
    results = await asyncio.gather(*(caller.call(hang) for _ in range(8)), return_exceptions=True)
    elapsed = time.monotonic() - started
    assert all(isinstance(r, JudgeUnavailableError) and "within 0.5s" in str(r) for r in results)
    assert elapsed < 1.0  # not 4 rounds of 0.5 s: queued calls share one deadline


async def test_a_request_never_waits_past_the_tier_deadline(tmp_path):
    judge = ScriptedJudge(delay=30)
    cache = SQLiteGradeCache(tmp_path / "grades.sqlite3")
    grader = Grader(judges={"slow": judge}, cache=cache, judge_deadline_s=0.4)
    started = time.monotonic()
    first = asyncio.create_task(grader.grade([GradeInput("dog", "samoyed")]))
    await asyncio.sleep(0.2)
    # a later request for the same pair waits on the first one's call: its own deadline still holds
    second = await grader.grade([GradeInput("dog", "samoyed"), GradeInput("dog", "dog")])
    assert time.monotonic() - started < 1.0
    assert second.grades[0].status is Status.JUDGE_ERROR and "0.4s deadline" in second.grades[0].error
    assert second.grades[1].category is Category.SPECIFIC  # the rest of the batch is graded as usual
    assert (await first).grades[0].status is Status.JUDGE_ERROR
    assert cache.count() == 0
    await grader.aclose()


class PartlyFailingJudge(ScriptedJudge):
    """A call that succeeds while some of its pairs fail, as an OpenAI-compatible judge's do."""

    async def judge(self, requests):
        self.calls.append(list(requests))
        return [
            JudgeFailure("judge answered 'banana'", FailureKind.NOT_A_CATEGORY)
            if r.prediction == "banana"
            else Judgement(Category.WRONG, {"wrong": 0.5, "specific": float("nan")})
            if r.prediction == "nan"
            else Judgement(Category.MORE_SPECIFIC)
            for r in requests
        ]


async def test_failed_pairs_are_counted_and_logged_by_reason(caplog, tmp_path):
    metrics = ServiceMetrics()
    cache = SQLiteGradeCache(tmp_path / "grades.sqlite3")
    grader = Grader(judges={"j": PartlyFailingJudge()}, observer=metrics, cache=cache)
    with caplog.at_level(logging.WARNING):
        result = await grader.grade([GradeInput("dog", p) for p in ("samoyed", "banana", "nan")])
    assert [g.status for g in result.grades] == [Status.OK, Status.JUDGE_ERROR, Status.JUDGE_ERROR]
    assert "invalid probabilities" in result.grades[2].error
    sample = metrics.registry.get_sample_value
    assert sample("verifier_judge_pairs_total", {"judge": "j", "outcome": "ok"}) == 1
    assert sample("verifier_judge_pairs_total", {"judge": "j", "outcome": "failed"}) == 2
    assert sample("verifier_judge_failures_total", {"judge": "j", "reason": "not_a_category"}) == 1
    assert sample("verifier_judge_failures_total", {"judge": "j", "reason": "invalid_probabilities"}) == 1
    assert "judge j failed on 2 of 3 pairs (invalid_probabilities: 1, not_a_category: 1)" in caplog.text
    assert cache.count() == 1  # neither failure was cached
    await grader.aclose()


async def test_an_unreachable_judge_counts_as_unavailable():
    metrics = ServiceMetrics()
    grader = Grader(judges={"down": ScriptedJudge(fail_calls=True)}, observer=metrics)
    await grader.grade([GradeInput("dog", "wolf")])
    assert (
        metrics.registry.get_sample_value("verifier_judge_failures_total", {"judge": "down", "reason": "unavailable"})
        == 1
    )


def test_nan_log_probabilities_are_ignored_not_served():
    logprobs = {
        "content": [
            {
                "token": "spec",
                "top_logprobs": [
                    {"token": "spec", "logprob": float("nan")},
                    {"token": "wrong", "logprob": math.log(0.5)},
                ],
            }
        ]
    }
    distribution = first_token_distribution(logprobs, 0)
    assert distribution == {
        "specific": 0.0,
        "more specific": 0.0,
        "less specific": 0.0,
        "generic": 0.0,
        "wrong": 1.0,
        "abstain": 0.0,
    }
    nothing = {"content": [{"token": "x", "top_logprobs": [{"token": "spec", "logprob": float("nan")}]}]}
    assert first_token_distribution(nothing, 0) is None

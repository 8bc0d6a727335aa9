"""Escalation: pairs the first judge is unsure of go to a second, stronger judge."""

import pytest
from pydantic import ValidationError
from support.fakes import ScriptedJudge

from verifier_service.config import Settings
from verifier_service.grading import CATEGORY_NAMES, Category, GradeInput, Grader, Judgement, JudgeRequest, Status
from verifier_service.judges.escalating import EscalatingJudge


class HesitantJudge(ScriptedJudge):
    """A ScriptedJudge whose top probability is 0.4 for the pairs in ``unsure``."""

    def __init__(self, *args, unsure=frozenset(), **kwargs):
        super().__init__(*args, **kwargs)
        self.unsure = unsure

    async def judge(self, requests):
        outcomes = await super().judge(requests)
        for i, request in enumerate(requests):
            if (request.ground_truth, request.prediction) in self.unsure and isinstance(outcomes[i], Judgement):
                category = outcomes[i].category
                probabilities = {n: 0.4 if n == category.value else 0.12 for n in CATEGORY_NAMES}
                outcomes[i] = Judgement(category, probabilities)
        return outcomes


def pairs():
    return [JudgeRequest("dog", "samoyed"), JudgeRequest("cat", "lynx"), JudgeRequest("owl", "eagle")]


async def test_only_unsure_pairs_go_to_the_second_judge_whose_verdict_stands():
    first = HesitantJudge(default=Category.WRONG, unsure={("dog", "samoyed"), ("owl", "eagle")})
    second = ScriptedJudge({("dog", "samoyed"): Category.MORE_SPECIFIC}, default=Category.WRONG, identity="big")
    judge = EscalatingJudge(first, second, below=0.5)
    outcomes = await judge.judge(pairs())
    assert [o.category for o in outcomes] == [Category.MORE_SPECIFIC, Category.WRONG, Category.WRONG]
    assert [(r.ground_truth, r.prediction) for r in second.judged] == [("dog", "samoyed"), ("owl", "eagle")]
    assert judge.escalated == 2 and judge.judged == 3
    # the two judges disagreed on dog/samoyed (wrong, then more specific): the review queue's doubt
    assert [o.overruled for o in outcomes] == [Category.WRONG, None, None]
    assert await judge.identity() == "escalating(scripted|prompt=test -> big below 0.5)"


async def test_a_failed_escalation_is_an_error_never_the_unsure_verdict():
    first = HesitantJudge(default=Category.SPECIFIC, unsure={("dog", "samoyed")})
    second = ScriptedJudge(fail_calls=True)
    outcomes = await EscalatingJudge(first, second, below=0.5).judge(pairs())
    assert "escalation to the second judge failed" in outcomes[0].reason
    assert [o.category for o in outcomes[1:]] == [Category.SPECIFIC, Category.SPECIFIC]


async def test_a_sure_first_judge_never_calls_the_second():
    second = ScriptedJudge()
    judge = EscalatingJudge(ScriptedJudge(), second, below=0.5)  # ScriptedJudge answers with 0.9
    await judge.judge(pairs())
    assert second.calls == [] and judge.escalated == 0


def test_settings_name_two_other_judges():
    base = {"small": {"kind": "openai", "url": "http://x/v1", "model": "m"}}
    base["big"] = {"kind": "openai", "url": "http://y/v1", "model": "M"}
    Settings(judges={**base, "both": {"kind": "escalating", "first": "small", "second": "big", "below": 0.6}})
    for wrong, message in [
        ({"first": "small", "second": "nope"}, "must name another"),
        ({"first": "small", "second": "small"}, "the same judge"),
        ({"first": "small", "second": "big", "below": 0}, "greater than 0"),
    ]:
        with pytest.raises(ValidationError, match=message):
            Settings(judges={**base, "both": {"kind": "escalating", "below": 0.6, **wrong}})


async def test_the_service_escalates_counts_and_caches_apart(app_server, tmp_path):
    first = HesitantJudge(default=Category.WRONG, unsure={("dog", "samoyed")}, identity="small")
    second = ScriptedJudge({("dog", "samoyed"): Category.MORE_SPECIFIC}, identity="big")
    both = EscalatingJudge(first, second, below=0.5, name="both")
    settings = Settings(data_dir=tmp_path / "data")
    with app_server(settings, {"small": first, "big": second, "both": both}) as server, server.client() as http:
        items = [{"ground_truth": "dog", "prediction": "samoyed"}, {"ground_truth": "cat", "prediction": "lynx"}]
        escalated = http.post("/grade", json={"items": items, "judge": "both"}).json()
        alone = http.post("/grade", json={"items": items[:1], "judge": "small"}).json()
        metrics = http.get("/metrics").text
    assert [g["category"] for g in escalated["grades"]] == ["more specific", "wrong"]
    assert alone["grades"][0]["category"] == "wrong" and alone["grades"][0]["source"] == "judge"  # not the cache
    assert 'verifier_judge_escalations_total{judge="both"} 1.0' in metrics
    assert 'verifier_judge_escalation_candidates_total{judge="both"} 2.0' in metrics


async def test_grader_reports_escalated_pairs_through_the_judge():
    first = HesitantJudge(unsure={("dog", "samoyed")})
    both = EscalatingJudge(first, ScriptedJudge(default=Category.MORE_SPECIFIC), below=0.5)
    grader = Grader(judges={"both": both})
    grades = (await grader.grade([GradeInput("dog", "samoyed"), GradeInput("cat", "lynx")])).grades
    assert [g.status for g in grades] == [Status.OK, Status.OK] and both.escalated == 1

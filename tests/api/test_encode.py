"""The answers written by orjson are exactly the shapes the OpenAPI schema documents."""

import orjson

from verifier_service.api.encode import grade_response
from verifier_service.api.schemas import GradeResponse
from verifier_service.grading import Category, GradingResult, Source, Status
from verifier_service.grading.types import Grade

GRADES = [
    Grade(Status.OK, Category.MORE_SPECIFIC, Source.JUDGE, {"more specific": 0.9, "wrong": 0.1}),
    Grade(Status.OK, Category.ABSTAIN, Source.RULE, reason="refusal"),
    Grade.failed(Status.JUDGE_ERROR, "judge 'j' failed: down"),
    Grade.failed(Status.NO_JUDGE, "no judge"),
]


def test_grade_responses_validate_against_the_documented_model():
    result = GradingResult([*GRADES, GRADES[1]], judge="j")
    ids = ["a", 7, None, None, "e"]
    for with_probabilities in (True, False):
        body = grade_response(result, ids, "req-1", with_probabilities=with_probabilities).body
        parsed = GradeResponse.model_validate_json(body)
        raw = orjson.loads(body)
        assert [g.id for g in parsed.grades] == ids and parsed.request_id == "req-1" and parsed.judge == "j"
        assert raw["grades"][0]["probabilities"] == (
            {"more specific": 0.9, "wrong": 0.1} if with_probabilities else None
        )
        assert raw["grades"][1] == {
            "id": 7,
            "status": "ok",
            "category": "abstain",
            "correct": False,
            "source": "rule",
            "probabilities": None,
            "error": None,
            "reason": "refusal",
            "explanation": None,
        }
        assert raw["grades"][2]["category"] is None and raw["grades"][2]["correct"] is None
        assert set(raw["grades"][0]) == set(GradeResponse.model_fields["grades"].annotation.__args__[0].model_fields)

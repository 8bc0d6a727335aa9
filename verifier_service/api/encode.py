"""Answers written straight to JSON bytes with orjson, without a pydantic model per item.

A batch of thousands of items shares a handful of distinct grades (a grade object is shared by
every item with the same pair), so each distinct grade is turned into its fields once and the
items only add their ids. The shapes are exactly those ``GradeResponse`` and
``ClassifyResponse`` document for the OpenAPI schema (``tests/api/test_encode.py`` holds them
to it); FastAPI does not re-validate a ``Response`` a route returns.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from fastapi import Response

from verifier_service.grading import Grade, GradingResult


def grade_fields(grade: Grade, with_probabilities: bool) -> dict[str, Any]:
    """A grade as the API answers it (``GradeOut`` without the item's ``id``)."""
    return {
        "status": grade.status.value,
        "category": grade.category.value if grade.category is not None else None,
        "correct": grade.correct,
        "source": grade.source.value if grade.source is not None else None,
        "probabilities": dict(grade.probabilities) if with_probabilities and grade.probabilities else None,
        "error": grade.error,
        "reason": grade.reason,
        "explanation": None,  # per item, with return_explanations
    }


def grade_response(
    result: GradingResult,
    ids: Sequence[Any],
    request_id: str,
    *,
    with_probabilities: bool,
    explanations: Sequence[dict[str, Any]] | None = None,
) -> Response:
    fields: dict[int, dict[str, Any]] = {}
    grades = []
    for grade, item_id in zip(result.grades, ids, strict=True):
        shared = fields.get(id(grade))
        if shared is None:
            shared = fields[id(grade)] = grade_fields(grade, with_probabilities)
        grades.append({"id": item_id, **shared})
    for answer, explanation in zip(grades, explanations or (), strict=False):
        answer["explanation"] = explanation
    body = {"grades": grades, "judge": result.judge, "request_id": request_id}
    return Response(orjson.dumps(body), media_type="application/json")


def json_response(body: dict[str, Any]) -> Response:
    return Response(orjson.dumps(body), media_type="application/json")

"""Grading endpoints: ``POST /grade`` and the method's original ``/api/v1/classify/*`` contract.

Each handler admits the batch, makes one call into the grader, audits, and answers.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Response

from verifier_service.api.auth import KeyFirstRoute
from verifier_service.api.deps import ServicesDep
from verifier_service.api.encode import grade_response, json_response
from verifier_service.api.schemas import (
    ClassifyRequest,
    ClassifyResponse,
    GradeRequest,
    GradeResponse,
    Mode,
    ProblemDetail,
)
from verifier_service.grading import Category

router = APIRouter(route_class=KeyFirstRoute)  # the API key is checked before a body is read

ERRORS = {
    401: {"model": ProblemDetail, "description": "Missing or invalid API key (when keys are configured)"},
    413: {"model": ProblemDetail, "description": "Too many items, or too large a body, in one request"},
    422: {"model": ProblemDetail, "description": "Invalid request"},
    503: {"model": ProblemDetail, "description": "Overloaded: retry after the Retry-After header's seconds"},
}


@router.post("/grade", response_model=GradeResponse, responses=ERRORS)
async def grade(body: GradeRequest, services: ServicesDep) -> Response:
    """Grade a batch of (ground truth, prediction) pairs; one grade per item, in order.

    Items that cannot be graded (no judge configured, judge failure) come back with a
    non-ok ``status`` and an ``error``; the request itself still succeeds.
    """
    items = body.inputs()
    await services.taxonomies.sync()  # other replicas' uploads
    await services.corrections.sync()  # and corrections
    with services.admission.admit(len(items)):
        result = await services.grader.grade(items, taxonomy=body.taxonomy, judge=body.judge)
    ids = body.ids()
    request_id = await services.audit("grade", result, items, run=body.run, taxonomy=body.taxonomy, ids=ids)
    explanations = await services.explain(items, result, body.taxonomy) if body.return_explanations else None
    return grade_response(
        result, ids, request_id, with_probabilities=body.return_probabilities, explanations=explanations
    )


def _classification(category: Category, mode: Mode) -> str:
    if mode == "binary":
        return "correct" if category.correct else "wrong"
    return category.value


def _judge_for_model(model: str | None, services: ServicesDep, warnings: list[str]) -> str | None:
    """The judge a compatibility request's ``model`` names: a judge's name, or the model a judge
    is configured with. Anything else is refused, unless ``compat_unknown_model`` says to fall back."""
    if model is None or model in services.grader.judges:
        return model
    by_model = [name for name, judge in services.settings.judges.items() if getattr(judge, "model", None) == model]
    if len(by_model) == 1:
        return by_model[0]
    if services.settings.compat_unknown_model == "default_judge":
        warnings.append(f"model {model!r} is not a configured judge; used the default judge")
        return None
    raise HTTPException(
        422,
        f"model {model!r} names no configured judge (by name or model); configured judges: "
        f"{sorted(services.grader.judges)}. Send one of them, omit model for the default judge, or set "
        "compat_unknown_model: default_judge",
    )


@router.post("/api/v1/classify/{mode}", response_model=ClassifyResponse, responses=ERRORS)
async def classify(mode: Mode, body: ClassifyRequest, services: ServicesDep) -> Response:
    """Drop-in replacement for the method's original service.

    ``model`` picks a configured judge by its name or by the model it serves (422 otherwise,
    unless ``compat_unknown_model`` is ``default_judge``). A batch with an item that could not
    be graded answers 503 with ``Retry-After``, as the original service did, so that the
    method's reward code retries instead of scoring the batch 0.
    """
    warnings: list[str] = []
    judge = _judge_for_model(body.model, services, warnings)
    if body.verifier_prompt is not None:
        warnings.append("verifier_prompt is ignored: this service uses its own versioned prompt")
    items = body.inputs()
    await services.taxonomies.sync()
    await services.corrections.sync()
    with services.admission.admit(len(items)):
        result = await services.grader.grade(items, taxonomy=body.taxonomy, judge=judge)
    request_id = await services.audit(f"classify/{mode}", result, items, run=body.run_name, taxonomy=body.taxonomy)
    ungraded = [(i, g) for i, g in enumerate(result.grades) if g.category is None]
    if ungraded:
        index, grade = ungraded[0]
        raise HTTPException(
            503,
            f"{len(ungraded)} of {len(items)} items could not be graded (item {index}: {grade.status.value}: "
            f"{grade.error}); retry the batch (request {request_id})",
            headers={"Retry-After": str(services.settings.compat_retry_after_s)},
        )
    names = {category: _classification(category, mode) for category in {g.category for g in result.grades}}
    return json_response(
        {
            "classifications": [names[g.category] for g in result.grades],
            "judge": result.judge,
            "warnings": warnings,
            "request_id": request_id,
        }
    )

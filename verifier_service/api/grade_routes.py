"""Grading endpoints: ``POST /grade`` and the method's original ``/api/v1/classify/*`` contract.

Each handler admits the batch, makes one call into the grader, audits, and answers.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends

from verifier_service.api.auth import require_api_key
from verifier_service.api.deps import ServicesDep
from verifier_service.api.schemas import (
    ClassifyError,
    ClassifyRequest,
    ClassifyResponse,
    GradeOut,
    GradeRequest,
    GradeResponse,
    Mode,
    ProblemDetail,
)
from verifier_service.grading import Grade, Status

router = APIRouter(dependencies=[Depends(require_api_key)])

ERRORS = {
    401: {"model": ProblemDetail, "description": "Missing or invalid API key (when keys are configured)"},
    413: {"model": ProblemDetail, "description": "Too many items, or too large a body, in one request"},
    422: {"model": ProblemDetail, "description": "Invalid request"},
    503: {"model": ProblemDetail, "description": "Overloaded: retry after the Retry-After header's seconds"},
}


@router.post("/grade", response_model=GradeResponse, responses=ERRORS)
async def grade(body: GradeRequest, services: ServicesDep) -> GradeResponse:
    """Grade a batch of (ground truth, prediction) pairs; one grade per item, in order.

    Items that cannot be graded (no judge configured, judge failure) come back with a
    non-ok ``status`` and an ``error``; the request itself still succeeds.
    """
    items = body.inputs()
    with services.admission.admit(len(items)):
        result = await services.grader.grade(items, taxonomy=body.taxonomy, judge=body.judge)
    ids = [item.id for item in body.items]
    request_id = await services.audit(result, items, run=body.run, taxonomy=body.taxonomy, ids=ids)
    return GradeResponse(
        grades=[
            GradeOut.from_grade(grade, item_id, body.return_probabilities)
            for grade, item_id in zip(result.grades, ids, strict=True)
        ],
        judge=result.judge,
        request_id=request_id,
    )


def _classification(grade: Grade, mode: Mode) -> str:
    if grade.category is None:
        return "error"
    if mode == "binary":
        return "correct" if grade.category.correct else "wrong"
    return grade.category.value


@router.post("/api/v1/classify/{mode}", response_model=ClassifyResponse, responses=ERRORS)
async def classify(mode: Mode, body: ClassifyRequest, services: ServicesDep) -> ClassifyResponse:
    """Drop-in replacement for the method's original service.

    ``model`` picks a configured judge when it names one; otherwise the default judge is
    used and a warning says so. Ungraded pairs read ``"error"`` and are explained in ``errors``.
    """
    warnings = []
    judge = body.model if body.model in services.grader.judges else None
    if body.model is not None and judge is None:
        warnings.append(f"model {body.model!r} is not a configured judge; used the default judge")
    if body.verifier_prompt is not None:
        warnings.append("verifier_prompt is ignored: this service uses its own versioned prompt")
    items = body.inputs()
    with services.admission.admit(len(items)):
        result = await services.grader.grade(items, taxonomy=body.taxonomy, judge=judge)
    request_id = await services.audit(result, items, run=body.run_name, taxonomy=body.taxonomy)
    return ClassifyResponse(
        classifications=[_classification(g, mode) for g in result.grades],
        errors=[
            ClassifyError(index=i, status=g.status, error=g.error)
            for i, g in enumerate(result.grades)
            if g.status != Status.OK
        ],
        judge=result.judge,
        warnings=warnings,
        request_id=request_id,
    )

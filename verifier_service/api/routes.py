"""HTTP endpoints. They translate between JSON and the grading core, nothing more."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

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
from verifier_service.config import Settings
from verifier_service.grading import Grade, GradeInput, Grader, InvalidItemError, Status, UnknownNameError
from verifier_service.metrics import ServiceMetrics

router = APIRouter()

_ERRORS = {
    413: {"model": ProblemDetail, "description": "Too many items in one request"},
    422: {"model": ProblemDetail, "description": "Invalid request"},
}


def _grader(request: Request) -> Grader:
    return request.app.state.grader


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def _metrics(request: Request) -> ServiceMetrics:
    return request.app.state.metrics


def _check_limits(settings: Settings, pairs: Sequence[tuple[str, str]]) -> None:
    """Reject oversize requests and unusable labels with a message that names the item."""
    if len(pairs) > settings.max_items_per_request:
        raise HTTPException(
            413, f"{len(pairs)} items in one request; the limit is {settings.max_items_per_request} (split the batch)"
        )
    limit = settings.max_label_chars
    for index, (truth, guess) in enumerate(pairs):
        for field, text in (("ground_truth", truth), ("prediction", guess)):
            if len(text) > limit:
                raise HTTPException(422, f"item {index}: {field} has {len(text)} characters; the limit is {limit}")


async def _grade(request: Request, pairs: list[tuple[str, str]], taxonomy: str | None, judge: str | None):
    _check_limits(_settings(request), pairs)
    grader = _grader(request)
    try:
        chosen = grader.resolve_judge(judge)
        grades = await grader.grade([GradeInput(t, p) for t, p in pairs], taxonomy=taxonomy, judge=judge)
    except (UnknownNameError, InvalidItemError) as exc:
        raise HTTPException(422, str(exc)) from None
    return grades, (chosen[0] if chosen else None)


@router.post("/grade", response_model=GradeResponse, responses=_ERRORS)
async def grade(body: GradeRequest, request: Request) -> GradeResponse:
    """Grade a batch of (ground truth, prediction) pairs; one grade per item, in order.

    Items that cannot be graded (no judge configured, judge failure) come back with a
    non-ok ``status`` and an ``error``; the request itself still succeeds.
    """
    pairs = [(item.ground_truth, item.prediction) for item in body.items]
    grades, judge_name = await _grade(request, pairs, body.taxonomy, body.judge)
    out = [
        GradeOut.from_grade(g, item.id, body.return_probabilities) for g, item in zip(grades, body.items, strict=True)
    ]
    return GradeResponse(grades=out, judge=judge_name)


def _classification(grade: Grade, mode: Mode) -> str:
    if grade.category is None:
        return "error"
    if mode == "binary":
        return "correct" if grade.category.correct else "wrong"
    return grade.category.value


@router.post("/api/v1/classify/{mode}", response_model=ClassifyResponse, responses=_ERRORS)
async def classify(mode: Mode, body: ClassifyRequest, request: Request) -> ClassifyResponse:
    """Drop-in replacement for the method's original service.

    ``model`` picks a configured judge when it names one; otherwise the default judge is
    used and a warning says so. Ungraded pairs read ``"error"`` and are explained in ``errors``.
    """
    grader = _grader(request)
    warnings = []
    judge = body.model if body.model in grader.judge_names else None
    if body.model is not None and judge is None:
        warnings.append(f"model {body.model!r} is not a configured judge; used the default judge")
    if body.verifier_prompt is not None:
        warnings.append("verifier_prompt is ignored: this service uses its own versioned prompt")
    taxonomy = None
    if isinstance(body.extra_info, dict) and isinstance(body.extra_info.get("taxonomy"), str):
        taxonomy = body.extra_info["taxonomy"]
    grades, judge_name = await _grade(
        request, list(zip(body.ground_truths, body.predictions, strict=True)), taxonomy, judge
    )
    return ClassifyResponse(
        classifications=[_classification(g, mode) for g in grades],
        errors=[
            ClassifyError(index=i, status=g.status, error=g.error)
            for i, g in enumerate(grades)
            if g.status != Status.OK
        ],
        judge=judge_name,
        warnings=warnings,
    )


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """Alive: the process answers."""
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    """Ready: the cache and every configured judge are usable (503 otherwise, with reasons)."""
    checks = await _grader(request).check_ready()
    ready = all(v == "ok" for v in checks.values())
    return JSONResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks}, status_code=200 if ready else 503
    )


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    return Response(generate_latest(_metrics(request).registry), media_type=CONTENT_TYPE_LATEST)


@router.get("/judges")
async def judges(request: Request) -> dict[str, object]:
    """Configured judges, their identities (model and prompt version) and the default."""
    grader = _grader(request)
    identities: dict[str, str] = {}
    for name in grader.judge_names:
        _, judge = grader.resolve_judge(name)  # type: ignore[misc]  # the name is configured
        try:
            identities[name] = await judge.identity()
        except Exception as exc:
            identities[name] = f"unavailable: {type(exc).__name__}: {exc}"
    return {"default": grader.default_judge, "judges": identities}


@router.get("/taxonomies")
async def taxonomies(request: Request) -> dict[str, object]:
    """Loaded taxonomies with their versions (content hashes) and sizes."""
    return {
        "taxonomies": [
            {"name": t.name, "version": t.version, "nodes": len(t.nodes), "description": t.description}
            for t in _grader(request).taxonomies.values()
        ]
    }

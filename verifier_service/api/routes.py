"""HTTP endpoints. They translate between JSON and the grading core, nothing more."""

from __future__ import annotations

import asyncio
import logging
import re
import uuid
from collections.abc import Sequence

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from verifier_service.api.auth import require_api_key, require_api_key_for_metrics
from verifier_service.api.schemas import (
    ClassifyError,
    ClassifyRequest,
    ClassifyResponse,
    GradeOut,
    GradeRequest,
    GradeResponse,
    ItemId,
    Mode,
    ProblemDetail,
)
from verifier_service.config import Settings
from verifier_service.grading import Grade, GradeInput, Grader, InvalidItemError, Status, UnknownNameError
from verifier_service.grading.taxonomy import Taxonomy, TaxonomyError
from verifier_service.metrics import ServiceMetrics
from verifier_service.store.audit import AuditRecord, item_id_text
from verifier_service.store.taxonomy_files import parse_taxonomy_text, save_user_taxonomy, user_taxonomy_dir

log = logging.getLogger(__name__)
router = APIRouter()
_NAME = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

_ERRORS = {
    401: {"model": ProblemDetail, "description": "Missing or invalid API key (when keys are configured)"},
    413: {"model": ProblemDetail, "description": "Too many items, or too large a body, in one request"},
    422: {"model": ProblemDetail, "description": "Invalid request"},
    503: {"model": ProblemDetail, "description": "Overloaded: retry after the Retry-After header's seconds"},
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


async def _grade(
    request: Request,
    items: list[GradeInput],
    taxonomy: str | None,
    judge: str | None,
    *,
    run: str | None = None,
    ids: Sequence[ItemId | None] | None = None,
) -> tuple[list[Grade], str | None, str]:
    """Grades, the judge used, and the request id under which the audit log keeps them."""
    _check_limits(_settings(request), [(i.ground_truth, i.prediction) for i in items])
    grader = _grader(request)
    try:
        chosen = grader.resolve_judge(judge)
        with request.app.state.admission.admit(len(items)):
            grades = await grader.grade(items, taxonomy=taxonomy, judge=judge)
    except (UnknownNameError, InvalidItemError) as exc:
        raise HTTPException(422, str(exc)) from None
    judge_name = chosen[0] if chosen else None
    request_id = uuid.uuid4().hex
    await _audit(request, request_id, run, judge_name, items, grades, ids or [None] * len(items), taxonomy)
    return grades, judge_name, request_id


async def _audit(request, request_id, run, judge_name, items, grades, ids, taxonomy) -> None:
    audit = request.app.state.audit
    if audit is None:
        return
    records = [
        AuditRecord(
            position=i,
            item_id=item_id_text(item_id),
            ground_truth=item.ground_truth,
            prediction=item.prediction,
            taxonomy=item.taxonomy or taxonomy,
            status=grade.status.value,
            category=grade.category.value if grade.category else None,
            source=grade.source.value if grade.source else None,
            error=grade.error,
        )
        for i, (item, grade, item_id) in enumerate(zip(items, grades, ids, strict=True))
    ]
    try:
        await audit.record(request_id, run, judge_name, records)
    except Exception as exc:  # the audit records the grades; it never withholds them
        log.warning("audit write failed for request %s: %s", request_id, exc)
        _metrics(request).audit_errors.inc()


@router.post("/grade", response_model=GradeResponse, responses=_ERRORS, dependencies=[Depends(require_api_key)])
async def grade(body: GradeRequest, request: Request) -> GradeResponse:
    """Grade a batch of (ground truth, prediction) pairs; one grade per item, in order.

    Items that cannot be graded (no judge configured, judge failure) come back with a
    non-ok ``status`` and an ``error``; the request itself still succeeds.
    """
    items = [GradeInput(item.ground_truth, item.prediction, item.taxonomy) for item in body.items]
    grades, judge_name, request_id = await _grade(
        request, items, body.taxonomy, body.judge, run=body.run, ids=[item.id for item in body.items]
    )
    out = [
        GradeOut.from_grade(g, item.id, body.return_probabilities) for g, item in zip(grades, body.items, strict=True)
    ]
    return GradeResponse(grades=out, judge=judge_name, request_id=request_id)


def _classification(grade: Grade, mode: Mode) -> str:
    if grade.category is None:
        return "error"
    if mode == "binary":
        return "correct" if grade.category.correct else "wrong"
    return grade.category.value


@router.post(
    "/api/v1/classify/{mode}",
    response_model=ClassifyResponse,
    responses=_ERRORS,
    dependencies=[Depends(require_api_key)],
)
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
    items = [GradeInput(t, p) for t, p in zip(body.ground_truths, body.predictions, strict=True)]
    grades, judge_name, request_id = await _grade(request, items, taxonomy, judge, run=body.run_name)
    return ClassifyResponse(
        classifications=[_classification(g, mode) for g in grades],
        errors=[
            ClassifyError(index=i, status=g.status, error=g.error)
            for i, g in enumerate(grades)
            if g.status != Status.OK
        ],
        judge=judge_name,
        warnings=warnings,
        request_id=request_id,
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


@router.get("/metrics", include_in_schema=False, dependencies=[Depends(require_api_key_for_metrics)])
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
    return {"taxonomies": [t.summary() for t in _grader(request).taxonomies.values()]}


def _taxonomy(request: Request, name: str):
    taxonomy = _grader(request).taxonomies.get(name)
    if taxonomy is None:
        raise HTTPException(404, f"no taxonomy named {name!r}; available: {sorted(_grader(request).taxonomies)}")
    return taxonomy


@router.get("/taxonomies/{name}", responses={404: {"model": ProblemDetail}})
async def show_taxonomy(name: str, request: Request) -> dict[str, object]:
    """One taxonomy: its summary and, for a file taxonomy, all its nodes."""
    taxonomy = _taxonomy(request, name)
    body: dict[str, object] = dict(taxonomy.summary())
    if isinstance(taxonomy, Taxonomy):
        body["nodes"] = taxonomy.to_dict()["nodes"]
    return body


@router.get("/taxonomies/{name}/lookup", responses={404: {"model": ProblemDetail}})
async def lookup_term(name: str, term: str, request: Request) -> dict[str, object]:
    """Which node a term names in the taxonomy, and its lineage (``found: false`` when unknown)."""
    taxonomy = _taxonomy(request, name)
    explained = await asyncio.to_thread(taxonomy.explain, term)
    return {"taxonomy": name, "term": term, "found": explained is not None, **(explained or {})}


_YAML_TYPES = {"application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"}


@router.put(
    "/taxonomies/{name}",
    dependencies=[Depends(require_api_key)],
    status_code=201,
    responses={
        409: {"model": ProblemDetail},
        413: {"model": ProblemDetail},
        415: {"model": ProblemDetail},
        422: {"model": ProblemDetail},
    },
)
async def upload_taxonomy(name: str, request: Request) -> dict[str, object]:
    """Upload or replace a user taxonomy (JSON or YAML body, see the README). It is validated,
    used by ``/grade`` requests naming it at once, and kept across restarts."""
    settings = _settings(request)
    if not _NAME.match(name):
        raise HTTPException(422, "a taxonomy name is 1-64 letters, digits, dots, dashes or underscores")
    grader = _grader(request)
    user_file = user_taxonomy_dir(settings.data_dir) / f"{name}.json"
    if name in grader.taxonomies and not user_file.exists():
        raise HTTPException(409, f"{name!r} is a bundled or configured taxonomy; upload yours under another name")
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in _YAML_TYPES | {"application/json"}:
        raise HTTPException(415, "send the taxonomy as application/json or application/yaml")
    body = await request.body()
    if len(body) > settings.max_taxonomy_bytes:
        raise HTTPException(413, f"taxonomy of {len(body)} bytes; the limit is {settings.max_taxonomy_bytes}")
    fmt = "json" if media_type == "application/json" else "yaml"
    try:
        taxonomy = await asyncio.to_thread(parse_taxonomy_text, body.decode("utf-8"), fmt=fmt, name=name)
    except (TaxonomyError, UnicodeDecodeError) as exc:
        raise HTTPException(422, str(exc)) from None
    await asyncio.to_thread(save_user_taxonomy, settings.data_dir, taxonomy)
    grader.taxonomies[name] = taxonomy
    return taxonomy.summary()


@router.get("/audit/{request_id}", dependencies=[Depends(require_api_key)], responses={404: {"model": ProblemDetail}})
async def audit(request_id: str, request: Request) -> dict[str, object]:
    """The audit log's record of one answered request: each item as the client received it."""
    log_ = request.app.state.audit
    if log_ is None:
        raise HTTPException(404, "the audit log is off (setting audit)")
    rows = await asyncio.to_thread(log_.read, request_id)
    if not rows:
        raise HTTPException(404, f"no request {request_id!r} in the audit log")
    return {"request_id": request_id, "items": rows}

"""Human corrections over HTTP: make one, revert one, list them, export and import them
(JSONL in the format ``verifier evaluate-judge`` reads). The log is ``corrections.py``'s."""

from __future__ import annotations

from typing import Annotated

import orjson
import regex
from fastapi import APIRouter, Depends, HTTPException, Request, Response
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from verifier_service.api.auth import KeyFirstRoute, require_api_key, reviewer
from verifier_service.api.deps import ServicesDep
from verifier_service.api.schemas import Name, ProblemDetail
from verifier_service.grading import Category, GradeInput, InvalidRequest
from verifier_service.grading.corrections import Change, content_version, correction_key
from verifier_service.grading.normalise import normalise
from verifier_service.grading.rules import is_malformed
from verifier_service.grading.unicode_safety import defuse

router = APIRouter(route_class=KeyFirstRoute)
MAX_NOTE_CHARS = 2000
MAX_IMPORT_LINES = 10_000
IMPORT_TYPES = ("application/x-ndjson", "application/jsonl", "application/json")
ERRORS = {
    401: {"model": ProblemDetail},
    403: {"model": ProblemDetail, "description": "The key may not write corrections"},
    404: {"model": ProblemDetail},
    409: {"model": ProblemDetail},
    415: {"model": ProblemDetail, "description": "The body is not sent as JSON lines"},
    422: {"model": ProblemDetail},
}
Reviewer = Annotated[str, Depends(reviewer)]
# C0 and C1 control characters (tab and newline aside, for notes): stored as sent they would reach
# the export, the review page and terminals (ANSI escapes) of whoever reads them.
_CONTROL = regex.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _no_control_characters(text: str) -> str:
    if found := _CONTROL.search(text):
        raise ValueError(f"control character U+{ord(found.group()):04X} at position {found.start()}: not accepted")
    return text


Text = Annotated[str, AfterValidator(_no_control_characters)]


class CorrectionIn(BaseModel):
    model_config = ConfigDict(extra="ignore")  # an export line (id, who, domain, ...) imports as is

    ground_truth: Text = Field(min_length=1)
    prediction: Text = Field(min_length=1)
    category: Category
    taxonomy: Name | None = None
    note: Text = Field(default="", max_length=MAX_NOTE_CHARS)


class RevertIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: Text = Field(default="", max_length=MAX_NOTE_CHARS)


def _view(change: Change) -> dict[str, object]:
    return {"id": change.number, **{k: v for k, v in change.__dict__.items() if k != "number"}}


async def _check(body: CorrectionIn, services: ServicesDep) -> str | None:
    """422 for what grading would refuse; the pair's grade before the correction (None if unknown)."""
    limit = services.settings.max_label_chars
    for field, text in (("ground_truth", body.ground_truth), ("prediction", body.prediction)):
        if len(text) > limit:
            raise HTTPException(422, f"{field} has {len(text)} characters; the limit is {limit} (max_label_chars)")
    if is_malformed(normalise(defuse(body.prediction))):
        raise HTTPException(
            422, "the rules settle this prediction as malformed (no letter or digit): nothing to correct"
        )
    taxonomy = body.taxonomy if body.taxonomy is not None else services.grader.default_taxonomy
    current = services.corrections.book.get(correction_key(body.ground_truth, body.prediction, taxonomy))
    if current is not None:
        return current.category.value
    try:  # what the memo, the rules or the taxonomy say: a correction never waits for a judge
        grade = await services.grader.settled_without_judge(
            GradeInput(body.ground_truth, body.prediction, body.taxonomy)
        )
    except InvalidRequest as exc:
        raise HTTPException(422, str(exc)) from None
    return grade.category.value if grade is not None and grade.category is not None else None


def _fields(body: CorrectionIn, before: str | None, who: str, services: ServicesDep) -> dict[str, object]:
    """The change to record for a correction ``_check`` has passed (``before``: what it found the pair graded)."""
    taxonomy = body.taxonomy if body.taxonomy is not None else services.grader.default_taxonomy
    bound_to = content_version(services.taxonomies.get(taxonomy)) if taxonomy is not None else None
    return {
        "action": "set", "ground_truth": body.ground_truth, "prediction": body.prediction, "taxonomy": taxonomy,
        "category": body.category.value, "before": before, "who": who, "note": body.note,
        "taxonomy_version": bound_to,
    }  # fmt: skip


async def _record(bodies: list[tuple[CorrectionIn, str | None]], who: str, services: ServicesDep) -> list[Change]:
    changes = await services.corrections.record_many([_fields(body, before, who, services) for body, before in bodies])
    services.metrics.corrections.labels("set").inc(len(changes))
    return changes


@router.post("/corrections", status_code=201, responses=ERRORS)
async def correct(body: CorrectionIn, who: Reviewer, services: ServicesDep) -> dict[str, object]:
    """Grade a pair as a person says: from the next request on, on every replica (within
    ``state_sync_s``), the pair is graded ``body.category`` with ``source: human``."""
    await services.taxonomies.sync()
    await services.corrections.sync(force=True)
    with services.admission.admit(1):  # a correction storm is bounded as grading is
        (change,) = await _record([(body, await _check(body, services))], who, services)
    return {**_view(change), "corrections_version": services.corrections.book.version}


@router.post("/corrections/{number}/revert", responses=ERRORS)
async def revert(number: int, who: Reviewer, services: ServicesDep, body: RevertIn | None = None) -> dict[str, object]:
    """Revert an active correction (itself a recorded change): the pair is graded as before. The body
    (``{"note": ...}``) is optional."""
    await services.corrections.sync(force=True)
    book = services.corrections.book
    key = book.by_id.get(number)
    if key is None:
        raise HTTPException(404, f"no correction {number}")
    active = book.active.get(key)
    if active is None or active.id != number:
        raise HTTPException(409, f"correction {number} is no longer active (reverted, or replaced by a later one)")
    target = active.change
    change = await services.corrections.record(
        action="revert", ground_truth=target.ground_truth, prediction=target.prediction, taxonomy=target.taxonomy,
        category=None, before=target.category, who=who, note=body.note if body else "", reverts=number,
    )  # fmt: skip
    services.metrics.corrections.labels("revert").inc()
    return {**_view(change), "corrections_version": services.corrections.book.version}


@router.get("/corrections", dependencies=[Depends(require_api_key)], responses=ERRORS)
async def list_corrections(services: ServicesDep, history: bool = False) -> dict[str, object]:
    """The active corrections and their version (a content hash); ``history``: every change."""
    await services.corrections.sync()
    book = services.corrections.book
    body: dict[str, object] = {
        "version": book.version,
        "active": [{**_view(c.change), "version": c.version} for c in book.active.values()],
    }
    if history:
        body["history"] = [_view(change) for change in services.corrections.changes]
    return body


@router.get("/corrections/export", dependencies=[Depends(require_api_key)], responses=ERRORS)
async def export(services: ServicesDep) -> Response:
    """The active corrections as JSONL labelled pairs (``verifier evaluate-judge`` reads them)."""
    await services.corrections.sync()
    lines = [
        orjson.dumps(
            {
                "ground_truth": c.change.ground_truth,
                "prediction": c.change.prediction,
                "category": c.category.value,
                "taxonomy": c.change.taxonomy,
                "domain": c.change.taxonomy or "general",
                "source": "human",
                "id": c.id,
                "who": c.change.who,
                "note": c.change.note,
                "before": c.change.before,
            }  # fmt: skip
        )
        for c in services.corrections.book.active.values()
    ]
    return Response(b"\n".join(lines) + (b"\n" if lines else b""), media_type="application/x-ndjson")


@router.post("/corrections/import", responses=ERRORS)
async def import_corrections(request: Request, who: Reviewer, services: ServicesDep) -> dict[str, object]:
    """JSONL lines as ``/corrections/export`` writes them (or any labelled pairs): each one recorded
    as a correction by this key's reviewer. Every line is checked before any is recorded. The body
    must say it is JSON lines: a browser sends ``text/plain`` across origins without asking first."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in IMPORT_TYPES:
        raise HTTPException(415, f"content type {content_type or 'none'!r}; send one of {', '.join(IMPORT_TYPES)}")
    lines = [line for line in (await request.body()).splitlines() if line.strip()]
    if len(lines) > MAX_IMPORT_LINES:
        raise HTTPException(413, f"{len(lines)} lines; at most {MAX_IMPORT_LINES} per import")
    parsed = []
    for number, line in enumerate(lines, 1):
        try:
            parsed.append(CorrectionIn.model_validate(orjson.loads(line)))
        except (orjson.JSONDecodeError, ValidationError) as exc:
            raise HTTPException(422, f"line {number}: {str(exc).splitlines()[0]}") from None
    await services.taxonomies.sync()
    await services.corrections.sync(force=True)
    with services.admission.admit(len(parsed)):
        befores = []
        for number, body in enumerate(parsed, 1):  # every line, before any is recorded
            try:
                befores.append(await _check(body, services))
            except HTTPException as exc:
                raise HTTPException(exc.status_code, f"line {number}: {exc.detail}") from None
        changes = await _record(list(zip(parsed, befores, strict=True)), who, services)
    return {"imported": len(changes), "corrections_version": services.corrections.book.version}

"""Operations endpoints: health, readiness, metrics, judges, the audit log."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Depends, HTTPException, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from verifier_service.api.auth import require_api_key, require_api_key_for_metrics
from verifier_service.api.deps import ServicesDep
from verifier_service.api.schemas import ProblemDetail

router = APIRouter()


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """Alive: the process answers."""
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(services: ServicesDep) -> JSONResponse:
    """Ready: the cache and every configured judge are usable (503 otherwise, with reasons); 'degraded'
    (still 200) while the shared state is served from the last snapshot. Answered from a check at
    most ``readiness_cache_s`` old."""
    checks = {**await services.readiness.get(), "shared_state": await services.shared_state_check()}
    ready = all(v == "ok" or v.startswith("degraded") for v in checks.values())
    status = ("ok" if all(v == "ok" for v in checks.values()) else "degraded") if ready else "unavailable"
    return JSONResponse({"status": status, "checks": checks}, status_code=200 if ready else 503)


@router.get("/metrics", include_in_schema=False, dependencies=[Depends(require_api_key_for_metrics)])
async def metrics(services: ServicesDep) -> Response:
    return Response(generate_latest(services.metrics.registry), media_type=CONTENT_TYPE_LATEST)


@router.get("/judges")
async def judges(services: ServicesDep) -> dict[str, object]:
    """Configured judges, their identities (model and prompt version) and the default."""
    identities: dict[str, str] = {}
    for name, judge in sorted(services.grader.judges.items()):
        try:
            identities[name] = await judge.identity()
        except Exception as exc:
            identities[name] = f"unavailable: {type(exc).__name__}: {exc}"
    return {"default": services.grader.default_judge, "judges": identities}


@router.get("/audit/{request_id}", dependencies=[Depends(require_api_key)], responses={404: {"model": ProblemDetail}})
async def audit(request_id: str, services: ServicesDep) -> dict[str, object]:
    """The audit log's record of one answered request: its run, judge and taxonomy, and each item
    as the client received it."""
    if services.audit_log is None:
        raise HTTPException(404, "the audit log is off (setting audit)")
    record = await asyncio.to_thread(services.audit_log.read, request_id)
    if record is None:
        raise HTTPException(404, f"no request {request_id!r} in the audit log (unknown, or past retention)")
    return record

"""The FastAPI application factory."""

from __future__ import annotations

import gc
import math
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from verifier_service import __version__
from verifier_service.admission import Overloaded, TooManyWaiting
from verifier_service.api import (
    correction_routes,
    grade_routes,
    group_routes,
    openrlhf_routes,
    ops_routes,
    review_routes,
    taxonomy_routes,
)
from verifier_service.api.auth import load_api_keys
from verifier_service.api.limits import BodySizeLimit, RequestCounter
from verifier_service.api.origin_guard import OriginGuard
from verifier_service.config import Settings
from verifier_service.grading import InvalidRequest, RequestTooLarge
from verifier_service.grading.ports import Judge
from verifier_service.metrics import ServiceMetrics
from verifier_service.services import build_services
from verifier_service.store.shared_state import StoreUnavailable, TooManyOpenGroups


def _shortened(value: object, limit: int = 200) -> object:
    """An error's echo of the input, as short text when it is long (or not plain JSON)."""
    if isinstance(value, (bool, int, type(None))) or (isinstance(value, str) and len(value) <= limit):
        return value
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


def create_app(settings: Settings, *, extra_judges: Mapping[str, Judge] | None = None) -> FastAPI:
    """The service for ``settings``; its parts are built by the lifespan (``build_services``).

    ``extra_judges`` adds judge objects built by the caller (an embedding application, a test).
    """
    metrics = ServiceMetrics()
    api_keys = load_api_keys(settings)  # here, so that a bad key configuration fails at once

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        services = await build_services(settings, metrics=metrics, api_keys=api_keys, extra_judges=extra_judges)
        app.state.services = services
        # What start-up built (taxonomies, modules, models) lives as long as the process: move it
        # out of the collector's sight, so a full collection walks only what requests create.
        gc.collect()
        gc.freeze()
        gc.set_threshold(20_000, 10, 10)
        try:
            yield
        finally:
            await services.aclose()

    app = FastAPI(
        title="Specificity-aware verifier",
        version=__version__,
        description="Grades open-world classifier answers against ground truth into six categories.",
        lifespan=lifespan,
    )
    app.add_middleware(BodySizeLimit, max_bytes=max(settings.max_body_bytes, settings.max_taxonomy_bytes))
    app.add_middleware(OriginGuard)
    app.add_middleware(RequestCounter, count=lambda endpoint, code: metrics.requests.labels(endpoint, str(code)).inc())
    for module in (grade_routes, group_routes, openrlhf_routes, correction_routes, review_routes, taxonomy_routes):
        app.include_router(module.router)
    app.include_router(ops_routes.router)

    @app.exception_handler(TooManyWaiting)
    async def too_many_waiting(request: Request, exc: TooManyWaiting) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=429, headers={"Retry-After": str(exc.retry_after_s)})

    @app.exception_handler(TooManyOpenGroups)
    async def too_many_open_groups(request: Request, exc: TooManyOpenGroups) -> JSONResponse:
        retry = str(max(1, round(min(settings.group_ttl_s, 60))))
        return JSONResponse({"detail": str(exc)}, status_code=429, headers={"Retry-After": retry})

    @app.exception_handler(Overloaded)
    async def overloaded(request: Request, exc: Overloaded) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=503, headers={"Retry-After": str(exc.retry_after_s)})

    @app.exception_handler(StoreUnavailable)
    async def store_unavailable(request: Request, exc: StoreUnavailable) -> JSONResponse:
        # Reads go on from the last snapshot; a write (or a group's shared step) cannot: retry later.
        retry = str(max(1, math.ceil(exc.retry_after_s or settings.state_sync_s)))
        outcome = "not acknowledged" if exc.written else "not recorded, retry later"
        return JSONResponse({"detail": f"{exc}; {outcome}"}, status_code=503, headers={"Retry-After": retry})

    @app.exception_handler(InvalidRequest)
    async def invalid_batch(request: Request, exc: InvalidRequest) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=413 if isinstance(exc, RequestTooLarge) else 422)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        # FastAPI's body, with a one-line summary first for humans reading logs. Bounded: at most
        # 20 errors, and the offending input shortened, so a huge invalid body is not echoed back.
        errors = exc.errors()
        summary = "; ".join(f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg')}" for e in errors[:5])
        shown = [{**e, "input": _shortened(e.get("input"))} for e in errors[:20]]
        body = {"detail": jsonable_encoder(shown), "message": f"invalid request: {summary}"}
        if len(errors) > 20:
            body["more_errors"] = len(errors) - 20
        return JSONResponse(body, status_code=422)

    return app

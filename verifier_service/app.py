"""The FastAPI application factory."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from verifier_service import __version__
from verifier_service.api.auth import load_api_keys
from verifier_service.api.limits import Admission, BodySizeLimit
from verifier_service.api.routes import router
from verifier_service.config import Settings
from verifier_service.grading import Grader
from verifier_service.grading.ports import Judge
from verifier_service.grading.taxonomy import LabelTaxonomy
from verifier_service.metrics import ServiceMetrics
from verifier_service.store.audit import AuditLog
from verifier_service.store.sqlite_cache import SQLiteGradeCache
from verifier_service.store.taxonomy_files import bundled_taxonomy_paths, load_taxonomies, user_taxonomy_dir

log = logging.getLogger(__name__)


async def build_grader(
    settings: Settings, metrics: ServiceMetrics | None = None, extra_judges: Mapping[str, Judge] | None = None
) -> Grader:
    """The Grader the settings describe: cache, taxonomies and judges (local models load here).

    ``extra_judges`` adds judge objects built by the caller (an embedding application, a test).
    """
    from verifier_service.judges.factory import build_judge

    judges: dict[str, Judge] = dict(extra_judges or {})
    for name, judge_settings in settings.judges.items():
        log.info("loading judge %s (%s)", name, judge_settings.kind)
        judges[name] = await asyncio.to_thread(build_judge, name, judge_settings)
    default_judge = settings.default_judge
    if default_judge is None and len(judges) == 1:
        default_judge = next(iter(judges))
    cache, coordinator = build_cache(settings, metrics)
    return Grader(
        judges=judges,
        default_judge=default_judge,
        taxonomies=await asyncio.to_thread(load_all_taxonomies, settings),
        cache=cache,
        observer=metrics,
        judge_batch_size=settings.judge_batch_size,
        coordinator=coordinator,
        lock_ttl_s=settings.lock_ttl_s,
    )


def build_cache(settings: Settings, metrics: ServiceMetrics | None):
    """The grade cache (and the cross-replica coordinator, with Redis) the settings describe."""
    if settings.cache == "none":
        return None, None
    embedded = SQLiteGradeCache(settings.data_dir / "grades.sqlite3")
    if settings.cache == "sqlite":
        return embedded, None
    from verifier_service.store.failover_cache import FailoverCache
    from verifier_service.store.redis_cache import RedisGradeCache

    shared = FailoverCache(
        RedisGradeCache(settings.redis_url, ttl_s=settings.redis_ttl_s),
        embedded,
        retry_s=settings.redis_retry_s,
        on_switch=metrics.cache_backend_switched if metrics else None,
    )
    if metrics:
        metrics.cache_backend_switched("redis")
    return shared, shared


def load_all_taxonomies(settings: Settings) -> dict[str, LabelTaxonomy]:
    """Bundled, configured and uploaded taxonomies, and WordNet when enabled. Names must be unique."""
    sources = bundled_taxonomy_paths() if settings.bundled_taxonomies else []
    uploaded = user_taxonomy_dir(settings.data_dir)
    taxonomies: dict[str, LabelTaxonomy] = dict(
        load_taxonomies([*sources, *settings.taxonomy_paths, *([uploaded] if uploaded.is_dir() else [])])
    )
    if settings.wordnet:
        from verifier_service.store.wordnet_taxonomy import WordNetTaxonomy

        if "wordnet" in taxonomies:
            raise ValueError("a taxonomy file is named 'wordnet', which is reserved for WordNet")
        taxonomies["wordnet"] = WordNetTaxonomy(settings.data_dir, source=settings.wordnet_path)
    return taxonomies


def create_app(settings: Settings, *, extra_judges: Mapping[str, Judge] | None = None) -> FastAPI:
    metrics = ServiceMetrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.grader = await build_grader(settings, metrics, extra_judges)
        app.state.audit = AuditLog(settings.data_dir / "audit.sqlite3") if settings.audit else None
        try:
            yield
        finally:
            await app.state.grader.aclose()
            if app.state.audit is not None:
                app.state.audit.close()

    app = FastAPI(
        title="Specificity-aware verifier",
        version=__version__,
        description="Grades open-world classifier answers against ground truth into six categories.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.metrics = metrics
    app.state.api_keys = load_api_keys(settings)
    app.state.admission = Admission(settings.max_items_in_flight)
    app.add_middleware(BodySizeLimit, max_bytes=max(settings.max_body_bytes, settings.max_taxonomy_bytes))
    app.include_router(router)

    @app.middleware("http")
    async def count_requests(request: Request, call_next):
        response = await call_next(request)
        route = request.scope.get("route")
        endpoint = getattr(route, "path", "unmatched")
        metrics.requests.labels(endpoint, str(response.status_code)).inc()
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        # FastAPI's default body, with a one-line summary first for humans reading logs.
        errors = exc.errors()
        summary = "; ".join(f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg')}" for e in errors[:5])
        return JSONResponse(
            {"detail": jsonable_encoder(errors), "message": f"invalid request: {summary}"}, status_code=422
        )

    return app

"""The review queue (``GET /review/queue``) and the review page (``GET /review``: HTML, script and
style shipped in the package, no CDN, no build step), with a strict Content-Security-Policy: the
page runs only its own script, and renders every text with ``textContent``."""

from __future__ import annotations

import asyncio
import time
from importlib.resources import files
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query, Response

from verifier_service.api.auth import require_api_key
from verifier_service.api.deps import ServicesDep
from verifier_service.review_queue import JUDGED, QueueItem, build_queue

router = APIRouter()
ASSETS = files("verifier_service.api") / "review"
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
TYPES = {"index.html": "text/html; charset=utf-8", "app.js": "text/javascript", "app.css": "text/css"}


def _asset(name: str) -> Response:
    headers = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"}
    return Response((ASSETS / name).read_bytes(), media_type=TYPES[name], headers=headers)


@router.get("/review", include_in_schema=False)
async def review_page() -> Response:
    return _asset("index.html")


@router.get("/review/{name}", include_in_schema=False)
async def review_asset(name: str) -> Response:
    if name not in TYPES or name == "index.html":
        raise HTTPException(404, "no such file")
    return _asset(name)


@router.get("/review-queue", dependencies=[Depends(require_api_key)])
async def review_queue(
    services: ServicesDep,
    run: str | None = None,
    taxonomy: str | None = None,
    category: str | None = None,
    source: str | None = Query(default=None, description="judge, cache, rule, taxonomy (default: judge and cache)"),
    since_s: float = Query(default=7 * 86400, gt=0, description="how far back, in seconds"),
    offset: int = Query(default=0, ge=0),
    limit: int = Query(default=20, ge=1, le=200),
) -> dict[str, object]:
    """The judge's grades to review first (doubt x impact), from the audit log, with counts of
    what people reviewed and how often the judge agreed with them."""
    if services.audit_log is None:
        raise HTTPException(409, "the review queue is built from the audit log: set audit: true")
    await services.corrections.sync()
    await services.taxonomies.sync()
    sources = frozenset({source}) if source else JUDGED
    book, audit_log, default_taxonomy = services.corrections.book, services.audit_log, services.grader.default_taxonomy

    def build() -> tuple[int, list[QueueItem]]:
        # In a worker thread, never on the event loop; it touches only the audit log's own
        # connection (which has its own lock) and the corrections book, an immutable snapshot.
        since = time.time() - since_s
        if sources == JUDGED:  # the judge's queue (the default): ordered and cut in SQL over the pair index
            total, found = audit_log.review_page(
                corrected=book.active, corrections_version=book.version, since=since, run=run,
                taxonomy=taxonomy, category=category, default_taxonomy=default_taxonomy, offset=offset, limit=limit,
            )  # fmt: skip
            return total, [QueueItem.from_fields(item) for item in found]
        queue = build_queue(  # one source, or rule and taxonomy grades: the latest requests, scanned
            audit_log.scan(since=since, run=run), book, taxonomy=taxonomy, category=category, sources=sources,
            default_taxonomy=default_taxonomy,
        )  # fmt: skip
        return len(queue), queue[offset : offset + limit]

    total, items = await asyncio.to_thread(build)
    if not (run or taxonomy or category or source):
        services.metrics.review_queue.set(total)
    page = []
    for item in items:
        view = item.view()
        tree = services.taxonomies.get(item.taxonomy) if item.taxonomy else None
        view["lineage"] = shown_lineage(tree, item.ground_truth) if tree is not None else None
        page.append(view)
    corrected = list(book.active.values())
    judged = [c for c in corrected if c.change.before is not None]
    agreed = sum(c.change.before == c.category.value for c in judged)
    return {
        "total": total,
        "offset": offset,
        "items": page,
        "reviewed": len(corrected),
        "judge_agreement": round(agreed / len(judged), 4) if judged else None,
        "corrections_version": book.version,
    }


def shown_lineage(tree: Any, term: str) -> str | None:
    """The ground truth's lineage as the taxonomy spells it ("Golden-winged Warbler (species) < Vermivora
    (genus) < ..."), for people; a taxonomy without nodes (WordNet) describes its own."""
    lookup, lineage = getattr(tree, "lookup", None), getattr(tree, "lineage", None)
    node = lookup(term) if lookup is not None and lineage is not None else None
    if node is None:
        return tree.describe_lineage(term)
    return " < ".join(f"{n.name} ({n.rank})" if n.rank else n.name for n in lineage(node))

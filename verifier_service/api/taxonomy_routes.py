"""Taxonomy endpoints: the life cycle of a taxonomy (list, show, look up, check, upload, replace, delete)."""

from __future__ import annotations

import asyncio
import re

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response

from verifier_service.api.auth import require_api_key
from verifier_service.api.deps import ServicesDep
from verifier_service.api.schemas import ProblemDetail
from verifier_service.taxonomy import (
    BrowsableTaxonomy,
    TaxonomyConflict,
    TaxonomyError,
    TooManyTaxonomies,
    parse_taxonomy_text,
)

router = APIRouter()
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")  # full match: never "." or "..", never a control character
_YAML_TYPES = {"application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"}
_STATUS = {"created": 201, "replaced": 200, "unchanged": 200}


@router.get("/taxonomies")
async def taxonomies(services: ServicesDep) -> dict[str, object]:
    """Every taxonomy: its origin (bundled, configured, uploaded), version (a content hash), size and
    when it was loaded or uploaded."""
    await services.taxonomies.sync()
    return {"taxonomies": [services.taxonomies.describe(name) for name in services.taxonomies]}


async def _find(services: ServicesDep, name: str) -> BrowsableTaxonomy:
    await services.taxonomies.sync()
    taxonomy = services.taxonomies.get(name)
    if taxonomy is None:
        raise HTTPException(404, f"no taxonomy named {name!r}; available: {sorted(services.taxonomies)}")
    return taxonomy


@router.get("/taxonomies/{name}", responses={404: {"model": ProblemDetail}})
async def show_taxonomy(name: str, services: ServicesDep) -> dict[str, object]:
    """One taxonomy: what the list says of it and, for a file taxonomy, all its nodes and groups."""
    taxonomy = await _find(services, name)
    body: dict[str, object] = services.taxonomies.describe(name)
    as_data = getattr(taxonomy, "to_dict", None)  # file taxonomies (WordNet has no node list)
    if callable(as_data):
        data = as_data()
        body["nodes"] = data["nodes"]
        body["groups"] = data.get("groups", [])
        body["classes"] = data.get("classes", [])
    return body


@router.get("/taxonomies/{name}/lookup", responses={404: {"model": ProblemDetail}})
async def lookup_term(name: str, term: str, services: ServicesDep) -> dict[str, object]:
    """Which node a term names in the taxonomy, and its lineage (``found: false`` when unknown)."""
    explained = await asyncio.to_thread((await _find(services, name)).explain, term)
    return {"taxonomy": name, "term": term, "found": explained is not None, **(explained or {})}


def _check_name(name: str) -> None:
    if not _NAME.fullmatch(name):
        raise HTTPException(
            422, "a taxonomy name is 1-64 letters, digits, dots, dashes or underscores, starting with a letter or digit"
        )


@router.put(
    "/taxonomies/{name}",
    dependencies=[Depends(require_api_key)],
    status_code=201,
    responses={
        200: {"description": "Replaced, or unchanged (the same content again), or checked (dry_run)"},
        409: {"model": ProblemDetail},
        413: {"model": ProblemDetail},
        415: {"model": ProblemDetail},
        422: {"model": ProblemDetail},
    },
)
async def upload_taxonomy(
    name: str,
    request: Request,
    response: Response,
    services: ServicesDep,
    dry_run: bool = Query(False, description="validate and say what would happen; save nothing"),
) -> dict[str, object]:
    """Upload (201), replace (200) or check (``dry_run``, 200) a taxonomy: JSON or YAML, validated as
    every taxonomy is (the same 422 messages either way). A ``name`` in the file must be the name in
    the URL. An upload is used by the next ``/grade`` naming it, on every replica, and is kept
    across restarts; the same content again answers ``unchanged``."""
    _check_name(name)
    if services.taxonomies.is_fixed(name):
        origin = services.taxonomies.origin(name)
        raise HTTPException(409, f"{name!r} is a {origin} taxonomy; upload yours under another name")
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in _YAML_TYPES | {"application/json"}:
        raise HTTPException(415, "send the taxonomy as application/json or application/yaml")
    body = await request.body()
    limit = services.settings.max_taxonomy_bytes
    if len(body) > limit:
        raise HTTPException(413, f"taxonomy of {len(body)} bytes; the limit is {limit}")
    fmt = "json" if media_type == "application/json" else "yaml"
    try:
        text = body.decode("utf-8")
        limits = {
            "max_nodes": services.settings.max_taxonomy_nodes,
            "max_term_chars": services.settings.max_taxonomy_term_chars,
        }
        taxonomy = await asyncio.to_thread(parse_taxonomy_text, text, fmt=fmt, name=name, **limits)
        outcome = await services.taxonomies.upload(taxonomy, dry_run=dry_run)
    except (TaxonomyConflict, TooManyTaxonomies) as exc:
        raise HTTPException(409, str(exc)) from None
    except (TaxonomyError, UnicodeDecodeError) as exc:
        raise HTTPException(422, str(exc)) from None
    response.status_code = 200 if dry_run else _STATUS[outcome]
    return {**taxonomy.summary(), "outcome": outcome, "dry_run": dry_run,
            "warnings": services.taxonomies.warnings(taxonomy)}  # fmt: skip


@router.delete(
    "/taxonomies/{name}",
    dependencies=[Depends(require_api_key)],
    responses={404: {"model": ProblemDetail}, 409: {"model": ProblemDetail}},
)
async def delete_taxonomy(name: str, services: ServicesDep) -> dict[str, object]:
    """Delete an uploaded taxonomy, on every replica. Bundled and configured ones refuse (409)."""
    _check_name(name)
    try:
        await services.taxonomies.delete(name)
    except TaxonomyConflict as exc:
        raise HTTPException(409, str(exc)) from None
    except KeyError:
        raise HTTPException(404, f"no uploaded taxonomy named {name!r}") from None
    return {"deleted": name}

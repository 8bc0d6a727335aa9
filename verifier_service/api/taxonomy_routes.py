"""Taxonomy endpoints: list, show, look up a term, upload (into the registry)."""

from __future__ import annotations

import asyncio
import re

from fastapi import APIRouter, Depends, HTTPException, Request

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
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")  # full match: never "." or "..", it names a file
_YAML_TYPES = {"application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"}


@router.get("/taxonomies")
async def taxonomies(services: ServicesDep) -> dict[str, object]:
    """Loaded taxonomies with their versions (content hashes) and sizes."""
    return {"taxonomies": [t.summary() for t in services.taxonomies.values()]}


def _find(services: ServicesDep, name: str) -> BrowsableTaxonomy:
    taxonomy = services.taxonomies.get(name)
    if taxonomy is None:
        raise HTTPException(404, f"no taxonomy named {name!r}; available: {sorted(services.taxonomies)}")
    return taxonomy


@router.get("/taxonomies/{name}", responses={404: {"model": ProblemDetail}})
async def show_taxonomy(name: str, services: ServicesDep) -> dict[str, object]:
    """One taxonomy: its summary and, for a file taxonomy, all its nodes and groups."""
    taxonomy = _find(services, name)
    body: dict[str, object] = dict(taxonomy.summary())
    as_data = getattr(taxonomy, "to_dict", None)  # file taxonomies (WordNet has no node list)
    if callable(as_data):
        data = as_data()
        body["nodes"] = data["nodes"]
        body["groups"] = data.get("groups", [])
    return body


@router.get("/taxonomies/{name}/lookup", responses={404: {"model": ProblemDetail}})
async def lookup_term(name: str, term: str, services: ServicesDep) -> dict[str, object]:
    """Which node a term names in the taxonomy, and its lineage (``found: false`` when unknown)."""
    explained = await asyncio.to_thread(_find(services, name).explain, term)
    return {"taxonomy": name, "term": term, "found": explained is not None, **(explained or {})}


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
async def upload_taxonomy(name: str, request: Request, services: ServicesDep) -> dict[str, object]:
    """Upload or replace a user taxonomy (JSON or YAML body, see the README). It is validated,
    used by ``/grade`` requests naming it at once, and kept across restarts."""
    if not _NAME.fullmatch(name):
        raise HTTPException(
            422, "a taxonomy name is 1-64 letters, digits, dots, dashes or underscores, starting with a letter or digit"
        )
    if services.taxonomies.is_fixed(name):
        raise HTTPException(409, f"{name!r} is a bundled or configured taxonomy; upload yours under another name")
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
        await asyncio.to_thread(services.taxonomies.add, taxonomy)
    except (TaxonomyConflict, TooManyTaxonomies) as exc:
        raise HTTPException(409, str(exc)) from None
    except (TaxonomyError, UnicodeDecodeError) as exc:
        raise HTTPException(422, str(exc)) from None
    return taxonomy.summary()

"""API-key authentication: off unless keys are configured (the embedded single-user mode)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from fastapi import HTTPException, Request, Response

from verifier_service.api.deps import ServicesDep, get_services
from verifier_service.api.json_body import OrjsonRoute
from verifier_service.config import Settings


def load_api_keys(settings: Settings) -> tuple[bytes, ...]:
    """Keys from ``api_keys`` and from ``api_keys_file`` (one per line; blank lines and lines
    starting with '#', after any indentation, are skipped).

    A key file that yields no key stops the start: a deployment that asked for keys must never
    run open because its file held only comments.
    """
    keys = [k.get_secret_value() for k in settings.api_keys]
    if settings.api_keys_file is not None:
        path = Path(settings.api_keys_file)
        if not path.is_file():
            raise FileNotFoundError(f"api_keys_file not found: {path}")
        lines = (line.strip() for line in path.read_text().splitlines())
        from_file = [line for line in lines if line and not line.startswith("#")]
        if not from_file:
            raise ValueError(
                f"api_keys_file {path} holds no key (only blank lines or comments): refusing to start open"
            )
        keys += from_file
    keys += [k.get_secret_value() for k in settings.review_keys.values()]  # a reviewer reads too
    if any(len(k) < 16 for k in keys):
        raise ValueError("API keys must be at least 16 characters long")
    return tuple(k.encode() for k in keys)


def reviewer(request: Request, services: ServicesDep) -> str:
    """The name of the reviewer whose key the request carries (``review_keys``); 403 for a key not
    allowed to write corrections. With no keys at all (the open, single-user mode): ``local``."""
    reviewers = services.settings.review_keys
    if not reviewers and not services.api_keys:
        return "local"
    check_api_key(request, services.api_keys)
    token = (presented_key(request) or "").encode()
    found = "".join(
        name for name, key in reviewers.items() if secrets.compare_digest(token, key.get_secret_value().encode())
    )
    if not found:
        raise HTTPException(
            403, "this key may not write corrections: add it under review_keys, with the reviewer's name"
        )
    return found


def caller_namespace(request: Request, services: ServicesDep) -> str:
    """Whose state a request reads and writes (rollout groups): a digest of the API key it carries,
    never the key itself; ``open`` when the service has no keys (then every caller shares it)."""
    if not services.api_keys:
        return "open"
    return "key:" + hashlib.sha256((presented_key(request) or "").encode()).hexdigest()[:24]


def presented_key(request: Request) -> str | None:
    authorization = request.headers.get("authorization", "")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() == "bearer" and token:
        return token.strip()
    return request.headers.get("x-api-key")


def check_api_key(request: Request, keys: tuple[bytes, ...]) -> None:
    """Raise 401 unless the request carries one of ``keys`` (compared in constant time)."""
    if not keys:
        return
    token = presented_key(request)
    # Compare against every key, always: the time taken does not depend on which one matched.
    matched = False
    if token is not None:
        for key in keys:
            matched |= secrets.compare_digest(token.encode(), key)
    if not matched:
        raise HTTPException(
            401,
            "missing or invalid API key (send 'Authorization: Bearer <key>' or 'X-API-Key: <key>')",
            # Closing the connection spares reading a body nobody will use.
            headers={"WWW-Authenticate": "Bearer", "Connection": "close"},
        )


async def require_api_key(request: Request, services: ServicesDep) -> None:
    """FastAPI dependency for protected endpoints that read their body themselves (or have none)."""
    check_api_key(request, services.api_keys)


class KeyFirstRoute(OrjsonRoute):
    """A protected route with a JSON body: the key is checked from the headers before the body is
    read. (FastAPI reads and parses a body before it runs a route's dependencies, so a request
    without a key would cost its whole body first.)"""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def key_first(request: Request) -> Response:
            check_api_key(request, get_services(request).api_keys)
            return await handler(request)

        return key_first


async def require_api_key_for_metrics(request: Request, services: ServicesDep) -> None:
    if services.settings.metrics_require_key:
        check_api_key(request, services.api_keys)

"""Refuses writes that a web page on another origin sends through a visitor's browser (CSRF).

A browser sends a cross-origin POST with a "simple" content type (``text/plain``, forms) without
asking first, and adds the page's ``Origin``. In open mode (no API keys) nothing else would stop
such a write, so any write whose ``Origin`` names another origin than the one it was sent to
(its ``Host``) is refused with 403. Clients that are not browsers (trainers, curl, the CLI) send
no ``Origin`` and are not affected; the review page is served by the service itself (same origin).
Behind a proxy that passes ``Host`` without its port (nginx's ``$host``), host names are compared.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def same_origin(origin: str, host: str) -> bool:
    """Whether a browser's ``Origin`` header names the ``Host`` the request was sent to."""
    sent_to = urlsplit(origin)
    if sent_to.scheme not in ("http", "https") or not sent_to.hostname:
        return False  # "null" (sandboxed frames, file:// pages) and the like: never the service itself
    host = host.strip().lower()
    netloc = sent_to.netloc.lower()
    if ":" in host.rsplit("]", 1)[-1]:  # the Host carries its port: the whole authority must agree
        default = {"http": 80, "https": 443}[sent_to.scheme]
        return f"{sent_to.hostname}:{sent_to.port or default}" == host or netloc == host
    return sent_to.hostname == host.strip("[]")


class OriginGuard:
    """ASGI middleware: 403 for a write whose ``Origin`` is not the service's own."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in WRITES:
            headers = dict(scope["headers"])
            origin = headers.get(b"origin", b"").decode("latin-1")
            if origin and not same_origin(origin, headers.get(b"host", b"").decode("latin-1")):
                detail = f"a write from another origin ({origin[:200]}) is refused"
                await JSONResponse({"detail": detail}, status_code=403)(scope, receive, send)
                return
        await self.app(scope, receive, send)

"""How the service is served: uvicorn, with deadlines for slow clients and a bound on open connections.

uvicorn has no read deadline of its own: its keep-alive timer restarts at every byte received,
so a client that sends its headers or its body one byte every few seconds keeps a connection,
and a file descriptor, for as long as it likes (uvicorn 0.55, ``protocols/http/httptools_impl.py``:
``data_received`` cancels the timer). ``GuardedHttpToolsProtocol`` is uvicorn's own httptools
protocol with three additions:

- the headers of a request must arrive within ``header_timeout_s``, counted from the
  connection's start or from the end of its previous response; bytes trickling in do not
  extend it. Past it the client gets 408 and the connection is closed;
- the whole body must arrive within ``body_timeout_s`` of the end of the headers. Past it the
  connection is closed: the app sees the client gone (``http.disconnect``) and stops reading;
- at most ``max_connections`` connections are open: one more closes the connection that has
  waited longest for a request's headers (an idle or slow client), and, when every open
  connection is busy with a request, the new one itself. So a flood of slow clients can never
  keep a health check or a trainer out.

Every callback runs on the event loop's thread; the bookkeeping needs no lock.
"""

from __future__ import annotations

import asyncio
import logging
import resource
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

log = logging.getLogger(__name__)

_TIMED_OUT = b"HTTP/1.1 408 Request Timeout\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"


@dataclass(frozen=True)
class ConnectionLimits:
    header_timeout_s: float
    body_timeout_s: float
    max_connections: int


def guarded_protocol(limits: ConnectionLimits) -> type[HttpToolsProtocol]:
    """A protocol class for one server: the connections waiting for headers are shared by its instances."""
    waiting: OrderedDict[GuardedHttpToolsProtocol, None] = OrderedDict()  # oldest first

    class Guarded(GuardedHttpToolsProtocol):
        _limits = limits
        _waiting = waiting

    return Guarded


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    _limits: ConnectionLimits
    _waiting: OrderedDict[GuardedHttpToolsProtocol, None]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline: asyncio.TimerHandle | None = None

    # ---- deadlines ----------------------------------------------------------------------
    def _arm(self, seconds: float, on_expiry: Any) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(seconds, on_expiry)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _await_headers(self) -> None:
        self._waiting[self] = None
        self._waiting.move_to_end(self)
        self._arm(self._limits.header_timeout_s, self._headers_too_slow)

    def _headers_too_slow(self) -> None:
        if not self.transport.is_closing():
            self.transport.write(_TIMED_OUT)
            self.transport.close()

    def _body_too_slow(self) -> None:
        log.info("closing a connection whose request body took over %gs", self._limits.body_timeout_s)
        self.transport.close()

    # ---- uvicorn's callbacks ---------------------------------------------------------------
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self._limits.max_connections:
            idle = next(iter(self._waiting), None)
            if idle is None:  # every connection is serving a request: refuse this one
                transport.close()
                return
            idle._headers_too_slow()
        self._await_headers()

    def on_headers_complete(self) -> None:
        self._waiting.pop(self, None)
        self._arm(self._limits.body_timeout_s, self._body_too_slow)
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._disarm()  # the request is in; the app takes as long as it takes
        super().on_message_complete()

    def on_response_complete(self) -> None:
        pipelined = bool(self.pipeline)  # a request already in: its headers are complete
        super().on_response_complete()
        if not pipelined and not self.transport.is_closing():
            self._await_headers()  # the next request on this connection

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        self._waiting.pop(self, None)
        super().connection_lost(exc)

    def __hash__(self) -> int:  # instances are keys of ``_waiting``
        return id(self)


def raise_open_files_limit(needed: int) -> None:
    """Raise the soft limit on open files towards ``needed`` (capped by the hard limit): the default
    soft limit (often 1024) would run out before ``max_connections`` does."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        log.info("raised the open-files limit from %d to %d", soft, target)


def uvicorn_config(app: Any, settings: Any, **overrides: Any) -> uvicorn.Config:
    """The uvicorn configuration the service runs with (``verifier serve`` and the tests alike)."""
    limits = ConnectionLimits(settings.header_timeout_s, settings.body_timeout_s, settings.max_connections)
    options: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "log_level": settings.log_level.lower(),
        "http": guarded_protocol(limits),
        "timeout_graceful_shutdown": settings.shutdown_timeout_s,
        **overrides,
    }
    return uvicorn.Config(app, **options)


def serve(app: Any, settings: Any) -> None:
    raise_open_files_limit(settings.max_connections + 256)  # connections, plus files, caches and judges
    uvicorn.Server(uvicorn_config(app, settings)).run()

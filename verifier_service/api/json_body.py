"""Request bodies parsed by orjson: strict JSON, fast.

The standard library's parser accepts what JSON does not (``NaN``, ``Infinity``), turns
``1e400`` into infinity and lone surrogates (``"\\ud800"``) into strings that cannot be stored
or encoded again, and is several times slower on a big batch. orjson rejects all of these,
so a bad body is a 422 at the door instead of a 500 further in. FastAPI reads JSON bodies
through ``Request.json()`` (``fastapi/routing.py``), which this route class replaces (the
pattern FastAPI documents for custom request classes).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

import orjson
from fastapi import Request, Response
from fastapi.routing import APIRoute


class OrjsonRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = orjson.loads(await self.body())  # orjson.JSONDecodeError is a json.JSONDecodeError
        return self._json


class OrjsonRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def parse_with_orjson(request: Request) -> Response:
            return await handler(OrjsonRequest(request.scope, request.receive))

        return parse_with_orjson

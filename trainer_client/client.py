"""HTTP client of the verifier service: ``VerifierClient`` (async, for trainers' event loops) and
``SyncVerifierClient`` (the same calls, blocking, for scripts and notebooks)."""

from __future__ import annotations

import asyncio
import email.utils
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
from tenacity import AsyncRetrying, retry_if_exception, stop_after_delay, wait_random_exponential

RETRY_STATUS = frozenset({429, 502, 503, 504})


class VerifierError(Exception):
    """Base class of the client's errors."""


class VerifierUnavailable(VerifierError):
    """The service could not be reached, or kept failing, within the retry budget."""


class VerifierRequestError(VerifierError):
    """The service rejected the request (4xx): retrying the same request cannot help."""

    def __init__(self, status_code: int, detail: str) -> None:
        super().__init__(f"verifier answered {status_code}: {detail}")
        self.status_code = status_code
        self.detail = detail


@dataclass(frozen=True)
class GradeResult:
    """One item's grade as the service returned it."""

    status: str
    category: str | None
    source: str | None
    correct: bool | None = None
    probabilities: dict[str, float] | None = None
    error: str | None = None
    reason: str | None = None  # the rule that settled it
    id: str | int | None = None  # the item's id, as sent
    explanation: dict[str, Any] | None = None  # with ``return_explanations``

    @property
    def ok(self) -> bool:
        return self.status == "ok" and self.category is not None


@dataclass
class _RetryableStatus(Exception):
    status_code: int
    retry_after: float | None = None
    text: str = field(default="")


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value)
        return max(0.0, parsed.timestamp() - time.time()) if parsed else None


def _transient(exc: BaseException) -> bool:
    return isinstance(exc, (httpx.TransportError, _RetryableStatus))


class VerifierClient:
    """Grades pairs through ``POST /grade`` with pooled connections, retries and batch splitting.

    Transient failures (connection errors, timeouts, 429/502/503/504) are retried with
    exponential backoff and jitter for up to ``retry_for`` seconds, honouring ``Retry-After``;
    after that ``VerifierUnavailable`` is raised. A 4xx answer raises ``VerifierRequestError``
    at once. Batches larger than ``max_batch`` items are split and sent concurrently.
    """

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 300.0,
        retry_for: float = 300.0,
        max_batch: int = 4096,
        max_concurrency: int = 8,
        api_key: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        headers = {"authorization": f"Bearer {api_key}"} if api_key else {}
        self._http = httpx.AsyncClient(
            base_url=base_url,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            limits=httpx.Limits(max_connections=max_concurrency, max_keepalive_connections=max_concurrency),
            headers=headers,
            transport=transport,
        )
        self._retry_for = retry_for
        self._max_batch = max_batch
        self._semaphore = asyncio.Semaphore(max_concurrency)
        self.base_url = base_url

    async def __aenter__(self) -> VerifierClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def grade(
        self,
        pairs: Sequence[tuple[str, str]],
        *,
        taxonomy: str | None = None,
        item_taxonomies: Sequence[str | None] | None = None,
        judge: str | None = None,
        run: str | None = None,
        return_probabilities: bool = False,
        return_explanations: bool = False,
        ids: Sequence[str | int] | None = None,
    ) -> list[GradeResult]:
        """One ``GradeResult`` per (ground truth, prediction) pair, in order.

        ``item_taxonomies`` names a taxonomy per pair (mixed-domain batches); it overrides ``taxonomy``.
        ``ids`` are sent with the items and come back on their results (and in the audit log).
        """
        if not pairs:
            return []
        for name, given in (("item taxonomies", item_taxonomies), ("ids", ids)):
            if given is not None and len(given) != len(pairs):
                raise ValueError(f"{len(given)} {name} for {len(pairs)} pairs")
        options: dict[str, Any] = {
            "return_probabilities": return_probabilities,
            "return_explanations": return_explanations,
        }
        for key, value in (("taxonomy", taxonomy), ("judge", judge), ("run", run)):
            if value is not None:
                options[key] = value
        items = [{"ground_truth": t, "prediction": p} for t, p in pairs]
        for item, name in zip(items, item_taxonomies or [], strict=False):
            if name is not None:
                item["taxonomy"] = name
        for item, item_id in zip(items, ids or [], strict=False):
            item["id"] = item_id  # type: ignore[assignment]
        chunks = [items[i : i + self._max_batch] for i in range(0, len(items), self._max_batch)]
        results = await asyncio.gather(*(self._grade_chunk(chunk, options) for chunk in chunks))
        return [grade for chunk in results for grade in chunk]

    async def _grade_chunk(self, chunk: list[dict[str, str]], options: dict[str, Any]) -> list[GradeResult]:
        body = {"items": chunk, **options}
        async with self._semaphore:
            payload = await self._post_with_retries("/grade", body)
        grades = payload.get("grades")
        if not isinstance(grades, list) or len(grades) != len(chunk):
            raise VerifierError(f"verifier answered {len(grades or [])} grades for {len(chunk)} items")
        return [
            GradeResult(
                status=g["status"],
                category=g.get("category"),
                source=g.get("source"),
                correct=g.get("correct"),
                probabilities=g.get("probabilities"),
                error=g.get("error"),
                reason=g.get("reason"),
                id=g.get("id"),
                explanation=g.get("explanation"),
            )
            for g in grades
        ]

    # ---- groups assembled by the service ---------------------------------------------------------
    async def group_rollouts(
        self,
        rollouts: Sequence[dict[str, Any]],
        *,
        taxonomy: str | None = None,
        judge: str | None = None,
        scheme: str = "dynamic",
        mode: str = "all",
        wait_s: float = 120.0,
    ) -> list[dict[str, Any]]:
        """``POST /groups/rollouts``: each rollout's reward once its whole group has arrived (from any
        caller), or ``status: incomplete`` at ``wait_s``. Rollouts keep their ids across retries: a
        retried call is idempotent."""
        body: dict[str, Any] = {"rollouts": list(rollouts), "scheme": scheme, "mode": mode, "wait_s": wait_s}
        for key, value in (("taxonomy", taxonomy), ("judge", judge)):
            if value is not None:
                body[key] = value
        return (await self._request("POST", "/groups/rollouts", json=body))["rewards"]

    # ---- taxonomies ---------------------------------------------------------------------------
    async def taxonomies(self) -> list[dict[str, Any]]:
        """The loaded taxonomies: name, origin (bundled, configured, uploaded), version, nodes, when."""
        return (await self._request("GET", "/taxonomies"))["taxonomies"]

    async def taxonomy(self, name: str) -> dict[str, Any]:
        """One taxonomy: its summary and its nodes."""
        return await self._request("GET", f"/taxonomies/{name}")

    async def lookup(self, taxonomy: str, term: str) -> dict[str, Any]:
        """What ``taxonomy`` knows of ``term``: its node and lineage, or ``found: false``."""
        return await self._request("GET", f"/taxonomies/{taxonomy}/lookup", params={"term": term})

    async def upload_taxonomy(self, taxonomy: dict[str, Any], *, dry_run: bool = False) -> dict[str, Any]:
        """Create or replace an uploaded taxonomy (its ``name`` is the URL's); ``dry_run`` only checks it.
        The answer's ``outcome`` says created, replaced or unchanged; an invalid file raises
        ``VerifierRequestError`` (422) listing its problems."""
        name = taxonomy.get("name")
        if not isinstance(name, str) or not name:
            raise ValueError("the taxonomy needs a name")
        params = {"dry_run": "true"} if dry_run else None
        return await self._request("PUT", f"/taxonomies/{name}", json=taxonomy, params=params)

    async def check_taxonomy(self, taxonomy: dict[str, Any]) -> dict[str, Any]:
        """The service's validation of a taxonomy, without saving it (``upload_taxonomy(dry_run=True)``)."""
        return await self.upload_taxonomy(taxonomy, dry_run=True)

    async def delete_taxonomy(self, name: str) -> None:
        """Delete an uploaded taxonomy (bundled and configured ones answer 409)."""
        await self._request("DELETE", f"/taxonomies/{name}")

    async def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        async with self._semaphore:
            return await self._send_with_retries(method, path, **kwargs)

    async def _post_with_retries(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        return await self._send_with_retries("POST", path, json=body)

    async def _send_with_retries(self, method: str, path: str, **kwargs: Any) -> Any:
        deadline = time.monotonic() + self._retry_for
        retrying = AsyncRetrying(
            retry=retry_if_exception(_transient),
            stop=stop_after_delay(self._retry_for),
            wait=lambda state: _wait_within(state, deadline),
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    response = await self._http.request(method, path, **kwargs)
                    if response.status_code in RETRY_STATUS or response.status_code >= 500:
                        raise _RetryableStatus(response.status_code, _retry_after(response), response.text[:500])
                    if response.status_code >= 400:
                        raise VerifierRequestError(response.status_code, _detail(response))
                    return response.json() if response.content else None
        except _RetryableStatus as exc:
            raise VerifierUnavailable(
                f"{self.base_url}{path} kept answering {exc.status_code} for {self._retry_for:.0f}s: {exc.text}"
            ) from None
        except httpx.TransportError as exc:
            raise VerifierUnavailable(
                f"cannot reach the verifier at {self.base_url} after retrying for {self._retry_for:.0f}s: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        raise AssertionError("unreachable")  # pragma: no cover


_backoff = wait_random_exponential(multiplier=0.5, max=30)


def _wait_honouring_retry_after(retry_state) -> float:
    exc = retry_state.outcome.exception() if retry_state.outcome else None
    if isinstance(exc, _RetryableStatus) and exc.retry_after is not None:
        return min(exc.retry_after, 60.0)
    return _backoff(retry_state)


def _wait_within(retry_state, deadline: float) -> float:
    """The backoff (or the server's Retry-After), cut so that the last try starts by the deadline:
    ``retry_for`` bounds the whole call, not only the time before the last wait."""
    return max(0.0, min(_wait_honouring_retry_after(retry_state), deadline - time.monotonic()))


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:500]
    if isinstance(body, dict):
        return str(body.get("message") or body.get("detail") or body)
    return str(body)

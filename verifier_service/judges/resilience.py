"""Calling a remote judge server: deadline, retries with backoff and jitter, a concurrency
limit and a circuit breaker that fails fast while the server is down and recovers by itself."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_random_exponential

from verifier_service.config import RemotePolicy
from verifier_service.grading.types import JudgeProtocolViolation, JudgeUnavailable

T = TypeVar("T")


class JudgeUnavailableError(JudgeUnavailable, RuntimeError):
    """The judge server cannot be used right now (down, overloaded, breaker open, past the deadline)."""


class JudgeProtocolError(JudgeProtocolViolation, RuntimeError):
    """The judge server answered something that does not follow its API."""


class TransientHTTPError(JudgeUnavailableError):
    """A status code worth retrying (429, 5xx)."""


class CircuitBreaker:
    """Closed -> open after ``failures`` consecutive failures; open -> half-open after ``reset``
    seconds, when one trial call is let through; its success closes the breaker again."""

    def __init__(self, failures: int, reset: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._threshold = failures
        self._reset = reset
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._trial_running = False

    @property
    def state(self) -> str:
        if self._opened_at is None:
            return "closed"
        return "half-open" if self._clock() - self._opened_at >= self._reset else "open"

    def before_call(self) -> None:
        state = self.state
        if state == "open":
            wait = self._reset - (self._clock() - self._opened_at)  # type: ignore[operator]
            raise JudgeUnavailableError(f"circuit breaker open after repeated failures; next trial in {wait:.1f}s")
        if state == "half-open":
            if self._trial_running:
                raise JudgeUnavailableError("circuit breaker half-open: a trial call is in progress")
            self._trial_running = True

    def record_success(self) -> None:
        self._failures = 0
        self._opened_at = None
        self._trial_running = False

    def record_failure(self) -> None:
        self._failures += 1
        if self._trial_running or self._failures >= self._threshold:
            self._opened_at = self._clock()
        self._trial_running = False


def _retryable(exc: BaseException) -> bool:
    return isinstance(exc, (httpx.TransportError, TransientHTTPError))


class RemoteCaller:
    """Runs calls to one server under a ``RemotePolicy``."""

    def __init__(self, policy: RemotePolicy) -> None:
        self.policy = policy
        self.breaker = CircuitBreaker(policy.breaker_failures, policy.breaker_reset)
        self._semaphore = asyncio.Semaphore(policy.max_concurrency)

    async def call(self, attempt: Callable[[], Awaitable[T]]) -> T:
        """Run ``attempt`` under the policy. The deadline covers the whole call: the wait for a
        concurrency slot, every attempt and the backoff between them, so a hung server costs a
        caller at most ``policy.timeout`` however many pairs are queued before it."""
        self.breaker.before_call()
        try:
            result = await asyncio.wait_for(self._in_turn(attempt), timeout=self.policy.timeout)
        except asyncio.TimeoutError:
            self.breaker.record_failure()
            raise JudgeUnavailableError(
                f"judge did not answer within {self.policy.timeout:g}s (waiting for a free slot included)"
            ) from None
        except JudgeProtocolError:
            self.breaker.record_success()  # it answered: the server is up, the answer was bad
            raise
        except httpx.TransportError as exc:
            self.breaker.record_failure()
            raise JudgeUnavailableError(f"{type(exc).__name__}: {exc}") from exc
        except Exception:
            self.breaker.record_failure()
            raise
        self.breaker.record_success()
        return result

    async def _in_turn(self, attempt: Callable[[], Awaitable[T]]) -> T:
        async with self._semaphore:
            return await self._with_retries(attempt)

    async def _with_retries(self, attempt: Callable[[], Awaitable[T]]) -> T:
        retrying = AsyncRetrying(
            retry=retry_if_exception(_retryable),
            stop=stop_after_attempt(self.policy.retries + 1),
            wait=wait_random_exponential(multiplier=0.2, max=self.policy.backoff_max),
            reraise=True,
        )
        async for trial in retrying:
            with trial:
                return await attempt()
        raise AssertionError("unreachable")  # pragma: no cover


def error_message(response: httpx.Response) -> str:
    """The server's own message from an error answer, in each shape SGLang and OpenAI-compatible
    servers use: ``{"error": "..."}``, ``{"error": {"message": ...}}``, ``{"message": ...}``
    (SGLang 0.5.23, ``srt/entrypoints/http_server.py``); else the start of the body."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:300]
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        return error["message"][:300]
    if isinstance(error, str):
        return error[:300]
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return body["message"][:300]
    return response.text[:300]


def check_response(response: httpx.Response) -> Any:
    """The JSON body of a successful answer; a retryable or protocol error otherwise."""
    if response.status_code >= 400:
        failure = f"{response.request.url.path} answered {response.status_code}: {error_message(response)}"
        if response.status_code == 429 or response.status_code >= 500:
            raise TransientHTTPError(failure)
        raise JudgeProtocolError(failure)
    try:
        return response.json()
    except ValueError:
        raise JudgeProtocolError(f"{response.request.url.path} answered non-JSON: {response.text[:200]!r}") from None

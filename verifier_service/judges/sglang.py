"""The production judge: an SGLang server (or the SGLang router in front of several), through
SGLang's native API.

Written from SGLang 0.5.23's code (the ``sglang`` wheel; paths inside it) and the router's
(``smg`` 1.13.0, whose Rust ``GenerateRequest`` takes ``logprob_start_len: Option<i32>``):

- ``GET /model_info`` -> ``{"model_path", ...}`` (``srt/entrypoints/http_server.py``; the older
  ``/get_model_info`` is deprecated and used only when ``/model_info`` answers 404): the served
  model goes into the cache key.
- ``GET /health_generate``: 200 once the server can generate. It runs a generation and waits at
  least a second (``health_generate``); 503 while the server is starting, which is "not ready",
  not a protocol error.
- ``POST /generate`` with ``input_ids`` (``srt/managers/io_struct.py::GenerateReqInput``).

Method: option scoring (``scoring.py``), one pair per request. For a pair, one request carries
six sequences, the prompt followed by each category reply and the end-of-turn token, with
``return_logprob`` and ONE integer ``logprob_start_len = len(prompt) - 1`` (the six share the
prompt): entries 1.. of each ``input_token_logprobs`` are the reply's token log-probabilities
(entry 0 is ``null``: SGLang pads the first position), and their sums give the exact
distribution over the six replies. ``max_new_tokens: 0`` is SGLang's prefill-only path:
nothing is decoded. A ``null`` log-probability is SGLang's JSON for -inf (a reply the model
cannot produce). One request per pair, never one for a whole batch: the router's request type
takes one integer ``logprob_start_len``, and it sends one request to one worker, so pairs sent
as separate requests (concurrently, under ``policy.max_concurrency``) spread over the workers.

The radix cache: with SGLang's default ``fcfs`` policy the six sequences of a request are
prefilled in the same batch, and the cache holds what a batch computed only after it, so each
of the six would recompute the pair's prompt. So the prompt is prefilled first, alone
(``max_new_tokens: 0``, no logprobs: ``prefill_prompt``), and the six replies then find it in
the cache: a pair costs its prompt once, plus for each reply the prompt's last token (whose
output is the first reply token's log-probability) and the reply's tokens
(``bench/sglang_prefill.py`` measures it). The long instruction block is shared by every pair
and computed once.

The prompt is rendered here with the served model's chat template (the tokenizer from
``tokenizer``, or from the ``model_path`` the server reports), so it is exactly what the
model was trained on, and the token ids are known without a tokenization round trip.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence
from typing import Any

import httpx

from verifier_service.grading.types import FailureKind, JudgeFailure, JudgeOutcome, JudgeRequest
from verifier_service.judges.chat_prompt import ChatPromptEncoder, load_tokenizer
from verifier_service.judges.prompt import PROMPT_VERSION
from verifier_service.judges.resilience import (
    JudgeProtocolError,
    JudgeUnavailableError,
    RemoteCaller,
    RemotePolicy,
    TransientHTTPError,
    check_response,
    error_message,
)
from verifier_service.judges.scoring import (
    CONTENT_FREE_REQUESTS,
    Calibration,
    calibration_label,
    judgement_from_option_logprobs,
    option_prior,
)


class SGLangJudge:
    def __init__(
        self,
        url: str,
        *,
        name: str = "sglang",
        model: str | None = None,
        tokenizer: str | None = None,
        api_key: str | None = None,
        policy: RemotePolicy | None = None,
        prefill_prompt: bool = True,
        calibration: Calibration = "none",
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.name = name
        self.calibration = calibration
        self._prior: list[float] | None = None  # scored once, with the first pairs (``_calibrate``)
        self.policy = policy or RemotePolicy()
        self.prefill_prompt = prefill_prompt
        self._caller = RemoteCaller(self.policy)
        self._http = httpx.AsyncClient(
            base_url=url,
            timeout=self.policy.attempt_timeout,
            headers={"authorization": f"Bearer {api_key}"} if api_key else {},
            limits=httpx.Limits(max_connections=self.policy.max_concurrency),
            transport=transport,
        )
        self._configured_model = model
        self._tokenizer_location = tokenizer
        self._model_path: str | None = None
        self._encoder: ChatPromptEncoder | None = None
        self._setup_lock = asyncio.Lock()

    # ---- identity and tokenizer ----------------------------------------------------------
    async def _model_info(self) -> Any:
        async def attempt() -> Any:
            response = await self._http.get("/model_info")
            if response.status_code == 404:  # a server older than /model_info
                response = await self._http.get("/get_model_info")
            return check_response(response)

        return await self._caller.call(attempt)

    async def _served_model(self) -> str:
        if self._model_path is None:
            info = await self._model_info()
            if not isinstance(info, dict) or not isinstance(info.get("model_path"), str):
                raise JudgeProtocolError(f"/model_info answered without a model_path: {info!r}")
            served = info["model_path"]
            if self._configured_model and served != self._configured_model:
                raise JudgeProtocolError(
                    f"the SGLang server serves {served!r}, but this judge is configured for {self._configured_model!r}"
                )
            self._model_path = served
        return self._model_path

    async def identity(self) -> str:
        # A configured model name lets cached grades be served even while the server is down.
        model = self._configured_model or await self._served_model()
        return f"sglang:{model}|prompt={PROMPT_VERSION}|scoring=options" + calibration_label(self.calibration)

    async def _prompt_encoder(self) -> ChatPromptEncoder:
        async with self._setup_lock:
            if self._encoder is None:
                location = self._tokenizer_location or await self._served_model()
                tokenizer = await asyncio.to_thread(load_tokenizer, location)
                self._encoder = ChatPromptEncoder(tokenizer)
        return self._encoder

    # ---- judging -------------------------------------------------------------------------
    def request_bodies(self, prompt: list[int], options: list[list[int]]) -> list[dict[str, Any]]:
        """The ``/generate`` bodies for one pair, in order: the prompt's prefill (with
        ``prefill_prompt``), then the six replies scored."""
        bodies = []
        if self.prefill_prompt:
            bodies.append({"input_ids": prompt, "sampling_params": {"max_new_tokens": 0}})
        bodies.append(
            {
                "input_ids": [prompt + option for option in options],
                "sampling_params": {"max_new_tokens": 0, "temperature": 0.0},
                "return_logprob": True,
                "logprob_start_len": len(prompt) - 1,
            }
        )
        return bodies

    async def _generate(self, body: dict[str, Any]) -> Any:
        async def attempt() -> Any:
            response = await self._http.post("/generate", json=body)
            if response.status_code == 404 and "no worker available" in response.text.lower():
                # the router (smg) with no healthy worker yet (restarting, workers registering): transient
                raise TransientHTTPError(f"/generate answered 404: {error_message(response)}")
            return check_response(response)

        return await self._caller.call(attempt)

    async def _option_totals(self, encoder: ChatPromptEncoder, request: JudgeRequest) -> list[float] | JudgeFailure:
        options = encoder.option_ids
        *prefill, score = self.request_bodies(encoder.prompt_ids(request), options)
        try:
            for body in prefill:
                await self._generate(body)  # the cache now holds the prompt
            answer = await self._generate(score)
        except JudgeProtocolError as exc:
            return JudgeFailure(f"SGLang refused the request: {exc}", FailureKind.PROTOCOL)
        except JudgeUnavailableError as exc:
            return JudgeFailure(f"SGLang unavailable: {exc}", FailureKind.UNAVAILABLE)
        if not isinstance(answer, list) or len(answer) != len(options):
            size = len(answer) if isinstance(answer, list) else type(answer).__name__
            return JudgeFailure(f"/generate answered {size} results for {len(options)} sequences", FailureKind.PROTOCOL)
        try:
            return [_reply_logprob(row, option) for row, option in zip(answer, options, strict=True)]
        except (JudgeProtocolError, TypeError, KeyError) as exc:
            return JudgeFailure(f"malformed answer from SGLang: {exc}", FailureKind.PROTOCOL)

    async def _judge_pair(self, encoder: ChatPromptEncoder, request: JudgeRequest) -> JudgeOutcome:
        totals = await self._option_totals(encoder, request)
        if isinstance(totals, JudgeFailure):
            return totals
        try:
            return judgement_from_option_logprobs(totals, self._prior)
        except ValueError as exc:
            return JudgeFailure(f"malformed answer from SGLang: {exc}", FailureKind.PROTOCOL)

    async def _calibrate(self, encoder: ChatPromptEncoder) -> JudgeFailure | None:
        """Score the content-free pairs once (``scoring.py``); a failure fails this batch, and the next
        batch tries again: an uncalibrated verdict is never given in a calibrated judge's name."""
        if self.calibration == "none" or self._prior is not None:
            return None
        async with self._setup_lock:
            if self.calibration == "none" or self._prior is not None:
                return None
            scored = await asyncio.gather(*(self._option_totals(encoder, r) for r in CONTENT_FREE_REQUESTS))
            for totals in scored:
                if isinstance(totals, JudgeFailure):
                    return JudgeFailure(f"calibrating: {totals.reason}", totals.kind)
            self._prior = option_prior(scored)  # type: ignore[arg-type]
        return None

    async def judge(self, requests: Sequence[JudgeRequest]) -> list[JudgeOutcome]:
        await self._served_model()  # a wrong model must never grade
        encoder = await self._prompt_encoder()
        failure = await self._calibrate(encoder)
        if failure is not None:
            return [failure] * len(requests)
        # One request per pair, all at once: the caller's semaphore bounds how many are in flight.
        return list(await asyncio.gather(*(self._judge_pair(encoder, request) for request in requests)))

    async def check_ready(self) -> None:
        async def attempt() -> Any:
            response = await self._http.get("/health_generate")
            if response.status_code == 503:
                raise JudgeUnavailableError("SGLang is starting or unhealthy (/health_generate answered 503)")
            if response.status_code != 200:
                raise JudgeProtocolError(f"/health_generate answered {response.status_code}")

        await self._caller.call(attempt)
        await self._served_model()

    def circuit_state(self) -> str:
        """The circuit breaker's state (closed, open, half-open), for the metrics."""
        return self._caller.breaker.state

    async def aclose(self) -> None:
        await self._http.aclose()


def _reply_logprob(result: Any, option: list[int]) -> float:
    """Sum of the reply tokens' log-probabilities from one ``/generate`` result (``null`` is -inf)."""
    entries = result["meta_info"]["input_token_logprobs"]
    if len(entries) != len(option) + 1:
        raise JudgeProtocolError(f"expected {len(option) + 1} input logprobs, got {len(entries)}")
    total = 0.0
    for entry, token in zip(entries[1:], option, strict=True):
        logprob, token_id = entry[0], entry[1]
        if token_id != token:
            raise JudgeProtocolError(f"unexpected logprob entry {entry!r} for token {token}")
        if logprob is None:
            return -math.inf
        if not isinstance(logprob, (int, float)) or math.isnan(logprob):
            raise JudgeProtocolError(f"not a log-probability: {entry!r}")
        total += float(logprob)
    return total

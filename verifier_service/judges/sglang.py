"""The production judge: an SGLang server, through its native API.

Endpoints used (SGLang docs, "SGLang Native APIs" and "Sampling Parameters":
https://docs.sglang.io/basic_usage/native_api.html,
https://docs.sglang.io/basic_usage/sampling_params.html; request fields as in
``sglang/srt/managers/io_struct.py::GenerateReqInput``):

- ``GET /get_model_info`` -> ``{"model_path": ..., "tokenizer_path": ..., "is_generation": ...}``:
  the served model, which goes into the cache key.
- ``GET /health_generate``: 200 once the server can really generate (readiness).
- ``POST /generate`` with ``input_ids`` as a list of token-id lists (a batch in one HTTP
  call), ``sampling_params`` ``{"max_new_tokens": 1, "temperature": 0}``,
  ``return_logprob: true`` and ``logprob_start_len`` per sequence. The answer is a list
  with one object per sequence whose ``meta_info.input_token_logprobs`` is a list of
  ``[logprob, token_id, token_text | null]`` aligned with ``input_ids[logprob_start_len:]``;
  its entry 0 is always ``null`` (SGLang pads the first position with None, see
  ``Scheduler._process_input_token_logprobs``).

Method: option scoring (``scoring.py``). For every pair, six sequences are sent, the
prompt followed by each category reply and the end-of-turn token, with
``logprob_start_len = len(prompt) - 1``; entries 1.. of ``input_token_logprobs`` are the
reply's token log-probabilities, and their sums give the exact distribution over the six
replies. Why not generate with ``sampling_params.regex`` and read first-token
log-probabilities? Under a regex constraint a category can also be emitted through a
non-canonical split of its first token ("spec" + "ific"), so first-token mass is only an
approximation, and it needs six distinct first tokens. Option scoring is exact for any
tokenizer, costs six short prefills per pair that share the cached prompt (SGLang's radix
cache computes the instruction block once for all pairs, and each pair's prompt once for
its six replies), and needs no decoding at all.

The prompt is rendered here with the served model's chat template (the tokenizer from
``tokenizer``, or from the ``model_path`` the server reports), so it is exactly what the
model was trained on, and the token ids are known without a tokenization round trip.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import httpx

from verifier_service.grading.types import FailureKind, JudgeFailure, JudgeOutcome, JudgeRequest
from verifier_service.judges.chat_prompt import ChatPromptEncoder, load_tokenizer
from verifier_service.judges.prompt import PROMPT_VERSION
from verifier_service.judges.resilience import JudgeProtocolError, RemoteCaller, RemotePolicy, check_response
from verifier_service.judges.scoring import judgement_from_option_logprobs


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
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.name = name
        self.policy = policy or RemotePolicy()
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
    async def _get(self, path: str) -> Any:
        async def attempt() -> Any:
            return check_response(await self._http.get(path))

        return await self._caller.call(attempt)

    async def _served_model(self) -> str:
        if self._model_path is None:
            info = await self._get("/get_model_info")
            if not isinstance(info, dict) or not isinstance(info.get("model_path"), str):
                raise JudgeProtocolError(f"/get_model_info answered without a model_path: {info!r}")
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
        return f"sglang:{model}|prompt={PROMPT_VERSION}|scoring=options"

    async def _prompt_encoder(self) -> ChatPromptEncoder:
        async with self._setup_lock:
            if self._encoder is None:
                location = self._tokenizer_location or await self._served_model()
                tokenizer = await asyncio.to_thread(load_tokenizer, location)
                self._encoder = ChatPromptEncoder(tokenizer)
        return self._encoder

    # ---- judging -------------------------------------------------------------------------
    async def judge(self, requests: Sequence[JudgeRequest]) -> list[JudgeOutcome]:
        await self._served_model()  # a wrong model must never grade
        encoder = await self._prompt_encoder()
        options = encoder.option_ids
        prompts = [encoder.prompt_ids(request) for request in requests]
        sequences = [prompt + option for prompt in prompts for option in options]
        starts = [len(prompt) - 1 for prompt in prompts for _ in options]
        body = {
            "input_ids": sequences,
            "sampling_params": {"max_new_tokens": 1, "temperature": 0.0},
            "return_logprob": True,
            "logprob_start_len": starts,
        }

        async def attempt() -> Any:
            return check_response(await self._http.post("/generate", json=body))

        answer = await self._caller.call(attempt)
        if not isinstance(answer, list) or len(answer) != len(sequences):
            size = len(answer) if isinstance(answer, list) else type(answer).__name__
            raise JudgeProtocolError(f"/generate answered {size} results for {len(sequences)} sequences")
        outcomes: list[JudgeOutcome] = []
        for index in range(len(requests)):
            rows = answer[index * len(options) : (index + 1) * len(options)]
            try:
                totals = [_reply_logprob(row, option) for row, option in zip(rows, options, strict=True)]
                outcomes.append(judgement_from_option_logprobs(totals))
            except (JudgeProtocolError, ValueError, TypeError, KeyError) as exc:
                outcomes.append(JudgeFailure(f"malformed answer from SGLang: {exc}", FailureKind.PROTOCOL))
        return outcomes

    async def check_ready(self) -> None:
        async def attempt() -> Any:
            response = await self._http.get("/health_generate")
            if response.status_code != 200:
                raise JudgeProtocolError(f"/health_generate answered {response.status_code}")

        await self._caller.call(attempt)
        await self._served_model()

    async def aclose(self) -> None:
        await self._http.aclose()


def _reply_logprob(result: Any, option: list[int]) -> float:
    """Sum of the reply tokens' log-probabilities from one ``/generate`` result."""
    entries = result["meta_info"]["input_token_logprobs"]
    if len(entries) != len(option) + 1:
        raise JudgeProtocolError(f"expected {len(option) + 1} input logprobs, got {len(entries)}")
    total = 0.0
    for entry, token in zip(entries[1:], option, strict=True):
        logprob, token_id = entry[0], entry[1]
        if token_id != token or not isinstance(logprob, (int, float)):
            raise JudgeProtocolError(f"unexpected logprob entry {entry!r} for token {token}")
        total += float(logprob)
    return total

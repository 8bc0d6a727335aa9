"""A judge behind any OpenAI-compatible chat server: vLLM, llama.cpp, SGLang's OpenAI
endpoint, hosted APIs (``POST /v1/chat/completions``, the server applies the chat template).

The reply is constrained to the six category names with whatever the server supports
(``constraint``):

- ``json_schema``: ``response_format: {"type": "json_schema", ...}`` with an enum; the
  OpenAI API and most servers (vLLM, SGLang, llama.cpp) accept it.
- ``json_object``: ``response_format: {"type": "json_object", "schema": ...}`` (llama-cpp-python).
- ``grammar``: a GBNF grammar in ``grammar`` (llama.cpp and llama-cpp-python).
- ``regex``: ``regex`` (SGLang's OpenAI endpoint).
- ``choice``: ``structured_outputs: {"choice": [...]}`` (vLLM >= 0.10; older vLLM used
  ``guided_choice``, selectable as ``guided_choice``).
- ``none``: no constraint; an answer that is not a category is a per-item error.

Probabilities come from ``logprobs`` / ``top_logprobs`` when the server returns them: the
top candidates at the first token of the category name, each credited to the one category
whose name starts with it (the six names start with six different letters), renormalised
over the six. That is an approximation (non-canonical token splits and candidates outside
the top-k are missed), so the identity says ``scoring=first-token``; SGLang's native
adapter computes exact option scores instead.
"""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import Sequence
from typing import Any, Literal

import httpx

from verifier_service.grading.categories import CATEGORY_NAMES, parse_category
from verifier_service.grading.judge_tier import failure_kind
from verifier_service.grading.types import FailureKind, JudgeFailure, Judgement, JudgeOutcome, JudgeRequest
from verifier_service.judges.prompt import PROMPT_VERSION, chat_messages
from verifier_service.judges.resilience import JudgeProtocolError, RemoteCaller, RemotePolicy, check_response

Constraint = Literal["json_schema", "json_object", "grammar", "regex", "choice", "guided_choice", "none"]
_JSON_CONSTRAINTS = ("json_schema", "json_object")

_GBNF = "root ::= " + " | ".join(f'"{name}"' for name in CATEGORY_NAMES)
_REGEX = "(" + "|".join(CATEGORY_NAMES) + ")"
_SCHEMA = {
    "type": "object",
    "properties": {"category": {"type": "string", "enum": list(CATEGORY_NAMES)}},
    "required": ["category"],
    "additionalProperties": False,
}


def constraint_fields(constraint: Constraint) -> dict[str, Any]:
    """The request fields that constrain the reply, in each server family's own spelling."""
    if constraint == "json_schema":
        return {
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "grade", "schema": _SCHEMA, "strict": True},
            }
        }
    if constraint == "json_object":
        return {"response_format": {"type": "json_object", "schema": _SCHEMA}}
    if constraint == "grammar":
        return {"grammar": _GBNF}
    if constraint == "regex":
        return {"regex": _REGEX}
    if constraint == "choice":
        return {"structured_outputs": {"choice": list(CATEGORY_NAMES)}}
    if constraint == "guided_choice":
        return {"guided_choice": list(CATEGORY_NAMES)}
    return {}


class OpenAICompatibleJudge:
    def __init__(
        self,
        url: str,
        *,
        model: str,
        name: str = "openai",
        api_key: str | None = None,
        constraint: Constraint = "json_schema",
        top_logprobs: int = 10,
        max_tokens: int = 16,
        policy: RemotePolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.name = name
        self.model = model
        self.constraint = constraint
        self.top_logprobs = top_logprobs
        self.max_tokens = max_tokens
        self.policy = policy or RemotePolicy()
        self._caller = RemoteCaller(self.policy)
        self._http = httpx.AsyncClient(
            base_url=url.rstrip("/"),
            timeout=self.policy.attempt_timeout,
            headers={"authorization": f"Bearer {api_key}"} if api_key else {},
            limits=httpx.Limits(max_connections=self.policy.max_concurrency),
            transport=transport,
        )

    async def identity(self) -> str:
        return f"openai:{self.model}|prompt={PROMPT_VERSION}|constraint={self.constraint}|scoring=first-token"

    def request_body(self, request: JudgeRequest) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": chat_messages(request),
            "temperature": 0,
            "max_tokens": self.max_tokens,
            **constraint_fields(self.constraint),
        }
        if self.top_logprobs:
            body["logprobs"] = True
            body["top_logprobs"] = self.top_logprobs
        return body

    async def _judge_one(self, request: JudgeRequest) -> JudgeOutcome:
        body = self.request_body(request)

        async def attempt() -> Any:
            return check_response(await self._http.post("/chat/completions", json=body))

        answer = await self._caller.call(attempt)
        try:
            choice = answer["choices"][0]
            content = choice["message"]["content"] or ""
        except (KeyError, IndexError, TypeError):
            raise JudgeProtocolError(f"not a chat completion: {str(answer)[:200]}") from None
        try:
            value, offset = self._category_text(content)
            category = parse_category(value)
        except ValueError as exc:
            return JudgeFailure(f"judge answered {content[:80]!r}, not a category ({exc})", FailureKind.NOT_A_CATEGORY)
        return Judgement(category, first_token_distribution(choice.get("logprobs"), offset))

    def _category_text(self, content: str) -> tuple[str, int]:
        """The category name in the reply and its character offset there."""
        if self.constraint not in _JSON_CONSTRAINTS:
            stripped = content.strip()
            return stripped, content.index(stripped[:1]) if stripped else 0
        try:
            value = json.loads(content)["category"]
        except (ValueError, KeyError, TypeError):
            raise ValueError("not the JSON object the schema asks for") from None
        if not isinstance(value, str):
            raise ValueError("category is not a string")
        colon = content.index(":", content.index('"category"'))
        return value, content.index(value[:1] or '"', colon + 1)

    async def judge(self, requests: Sequence[JudgeRequest]) -> list[JudgeOutcome]:
        # Chat completions take one conversation each; the caller's semaphore bounds concurrency.
        results = await asyncio.gather(*(self._judge_one(r) for r in requests), return_exceptions=True)
        outcomes: list[JudgeOutcome] = []
        for result in results:
            if isinstance(result, Exception):
                outcomes.append(JudgeFailure(f"{type(result).__name__}: {result}", failure_kind(result)))
            elif isinstance(result, BaseException):  # cancellation and the like are not ours to swallow
                raise result
            else:
                outcomes.append(result)
        return outcomes

    async def check_ready(self) -> None:
        async def attempt() -> Any:
            return check_response(await self._http.get("/models"))

        await self._caller.call(attempt)

    def circuit_state(self) -> str:
        """The circuit breaker's state (closed, open, half-open), for the metrics."""
        return self._caller.breaker.state

    async def aclose(self) -> None:
        await self._http.aclose()


def first_token_distribution(logprobs: Any, offset: int) -> dict[str, float] | None:
    """Category probabilities from the top candidates of the token that starts the category name."""
    if not isinstance(logprobs, dict) or not isinstance(logprobs.get("content"), list):
        return None
    position = 0
    for token in logprobs["content"]:
        text = token.get("token", "") if isinstance(token, dict) else ""
        if position + len(text) > offset:
            if position != offset:
                return None  # the name does not start on a token boundary
            return _credit_candidates(token.get("top_logprobs") or [])
        position += len(text)
    return None


def _credit_candidates(candidates: list[Any]) -> dict[str, float] | None:
    mass = dict.fromkeys(CATEGORY_NAMES, 0.0)
    for candidate in candidates:
        if not isinstance(candidate, dict):
            continue
        text = str(candidate.get("token", "")).strip().lower()
        logprob = candidate.get("logprob")
        if not text or not isinstance(logprob, (int, float)) or math.isnan(logprob) or logprob > 0:
            continue  # not a log-probability
        owners = [name for name in CATEGORY_NAMES if name.startswith(text)]
        if len(owners) == 1:
            mass[owners[0]] += math.exp(logprob)
    total = sum(mass.values())
    if total <= 0:
        return None
    return {name: value / total for name, value in mass.items()}

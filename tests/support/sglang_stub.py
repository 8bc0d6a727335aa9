"""A stand-in SGLang server for tests and benchmarks, written from SGLang 0.5.23's own code.

SGLang cannot serve on a CPU, so this plays it where a test needs a server. It follows the
``sglang`` 0.5.23 wheel (file paths below are inside it), not only the docs:

- ``POST /generate`` (``srt/entrypoints/http_server.py::generate_request``): ``text`` or
  ``input_ids`` (one prompt or a list), ``sampling_params`` (a dict or one per prompt),
  ``return_logprob``, ``logprob_start_len`` (an int or a list: SGLang's own
  ``GenerateReqInput`` accepts both; the router's request type takes one int),
  ``top_logprobs_num``, ``return_text_in_logprobs``. One prompt answers one object, a batch a
  list, each ``{"text", "output_ids", "meta_info": {...}}``.
- Logprobs (``srt/managers/scheduler_components/logprob_result_processor.py``):
  ``input_token_logprobs`` holds ``[logprob, token_id, text | null]`` for
  ``input_ids[logprob_start_len:]``, entry 0 always ``null`` (SGLang pads the first position
  and drops the last). ``logprob_start_len`` -1 with ``return_logprob`` means the input's length
  (``srt/managers/scheduler.py``: no input logprobs); one higher than the input's length aborts
  the request with 400 and SGLang's message; equal to it gives an empty list.
- ``max_new_tokens: 0`` is the prefill-only path: no output tokens.
- Errors, in each shape SGLang answers: a contract violation 400 ``{"error": "..."}``
  (``srt/entrypoints/api_contract.py``), an abort 400 ``{"error": {"message": ...}}``
  (``_create_error_response``), an ``HTTPException`` such as the full queue's 503
  ``{"object": "error", "message": "The request queue is full.", "type": "503", "code": 503}``
  (``srt/managers/scheduler.py::_abort_on_queued_limit``, ``validation_exception_handler``).
- ``GET /health`` and ``/health_generate`` run a generation and sleep one second before they
  look (``health_generate``): they answer after about a second, 503 while the server is
  starting. ``GET /ready`` answers at once. ``GET /model_info`` (and the deprecated
  ``/get_model_info``) name the served model; ``GET /v1/models`` lists it as SGLang's
  ``ModelList`` does (``owned_by: sglang``, ``srt/entrypoints/openai/protocol.py::ModelCard``)
  and ``GET /server_info`` gives the version: the router (smg) finds out what a worker is
  through these before it routes to it.
- The radix cache is modelled for accounting (``GET /_stats``): a request's sequences are
  matched against what earlier requests left in the cache, never against each other (with the
  default ``fcfs`` policy the sequences of one request are prefilled in the same batch, and the
  cache holds them only after it; ``srt/managers/schedule_policy.py``), and a sequence that
  returns logprobs from ``logprob_start_len`` reuses at most that many tokens
  (``srt/managers/schedule_batch.py``: ``max_prefix_len``).

Only the numbers are made up: the log-probability of a reply token is -0.05 when the reply is
the category this stub's script names for the pair in the prompt, else -3.0 (``--null-logprobs``
answers ``null`` for the other replies' tokens instead: -inf, which SGLang serialises as ``null``).

Run: ``python tests/support/sglang_stub.py --port P --tokenizer DIR [--script JSON] [--mode M]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import time
import uuid
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response


class FastTokenizer:
    """The model's tokenizer through the ``tokenizers`` library alone: it loads in a tenth of a
    second, where transformers' ``AutoTokenizer`` takes seconds (the stand-in starts often)."""

    def __init__(self, directory: Path) -> None:
        from tokenizers import Tokenizer

        self._tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        config = json.loads((directory / "tokenizer_config.json").read_text())
        eos = config.get("eos_token")
        self.eos_token = eos.get("content") if isinstance(eos, dict) else eos
        self.eos_token_id = self._tokenizer.token_to_id(self.eos_token) if self.eos_token else None

    def encode(self, text: str) -> list[int]:
        return self._tokenizer.encode(text, add_special_tokens=False).ids

    def decode(self, ids: list[int]) -> str:
        return self._tokenizer.decode(ids, skip_special_tokens=False)


class RadixCache:
    """Which token prefixes earlier requests left behind (a trie of dicts)."""

    def __init__(self) -> None:
        self._root: dict[int, dict] = {}

    def match(self, ids: list[int]) -> int:
        node, length = self._root, 0
        for token in ids:
            node = node.get(token)
            if node is None:
                break
            length += 1
        return length

    def insert(self, ids: list[int]) -> None:
        node = self._root
        for token in ids:
            node = node.setdefault(token, {})


LABEL = re.compile(r"<label>(.*?)</label>")
ANSWER = re.compile(r"<answer>(.*?)</answer>")


class AbortError(ValueError):
    """A request SGLang aborts with 400 and a message (``{"error": {"message": ...}}``)."""


def create_stub(
    tokenizer: Any,
    script: dict[str, str],
    mode: str = "normal",
    model_path: str = "stub/judge-model",
    delay: float = 30,
    health_delay: float = 1.0,
    start_delay: float = 0.0,
    null_logprobs: bool = False,
    scorings_log: Path | None = None,
) -> FastAPI:
    app = FastAPI()
    app.state.requests = []
    cache = RadixCache()
    stats = {"requests": 0, "sequences": 0, "prefilled_tokens": 0, "cached_tokens": 0}
    started = time.monotonic()

    def starting() -> bool:
        return time.monotonic() - started < start_delay

    def pair_of(prompt_text: str) -> str | None:
        labels, answers = LABEL.findall(prompt_text), ANSWER.findall(prompt_text)
        return f"{labels[-1]}|{answers[-1]}" if labels and answers else None

    def preferred(prompt_text: str) -> str:
        return script.get(pair_of(prompt_text) or "", "wrong")

    def one_result(ids: list[int], params: dict, start: int, want_logprob: bool, top_n: int, with_text: bool) -> dict:
        if start == -1 and want_logprob:
            start = len(ids)  # SGLang: logprobs of the output tokens only
        if start > len(ids):
            raise AbortError(
                f"req.logprob_start_len={start} is higher than the number of input tokens "
                f"len(req.origin_input_ids)={len(ids)}. Please use a smaller logprob_start_len."
            )
        text = tokenizer.decode(ids)
        marker = text.rfind("assistant\n")
        prompt_text, reply = (text[:marker], text[marker + len("assistant\n") :]) if marker >= 0 else (text, "")
        reply = reply.replace(tokenizer.eos_token or "", "").strip()
        good = reply == preferred(prompt_text)
        max_new = int(params.get("max_new_tokens", 128))
        output_ids = [tokenizer.eos_token_id][: max(max_new, 0)]

        def entry(value: float | None, token: int) -> list:
            return [value, token, tokenizer.decode([token]) if with_text else None]

        meta: dict[str, Any] = {
            "id": uuid.uuid4().hex,
            "prompt_tokens": len(ids),
            "completion_tokens": len(output_ids),
            "finish_reason": {"type": "length", "length": max_new},
        }
        if want_logprob:
            value = -0.05 if good else (None if null_logprobs else -3.0)
            values = [None] + [value for _ in ids[start + 1 :]] if start < len(ids) else []
            meta["input_token_logprobs"] = [entry(v, t) for v, t in zip(values, ids[start:], strict=True)]
            meta["output_token_logprobs"] = [entry(-0.01, t) for t in output_ids]
            if top_n > 0:
                meta["input_top_logprobs"] = [None] + [[entry(value, t)] for t in ids[start + 1 :]]
                meta["output_top_logprobs"] = [[entry(-0.01, t)] for t in output_ids]
        return {"text": tokenizer.decode(output_ids), "output_ids": output_ids, "meta_info": meta}

    def account(prompts: list[list[int]], starts: list[int], want_logprob: bool) -> None:
        """The radix cache's view of one batch: matched against earlier batches only."""
        for ids, start in zip(prompts, starts, strict=True):
            reusable = len(ids) - 1
            if want_logprob and start >= 0:
                reusable = min(reusable, start)
            cached = min(cache.match(ids), max(reusable, 0))
            stats["cached_tokens"] += cached
            stats["prefilled_tokens"] += len(ids) - cached
        for ids in prompts:
            cache.insert(ids)
        stats["requests"] += 1
        stats["sequences"] += len(prompts)

    @app.post("/generate")
    async def generate(request: Request):
        arrived = time.monotonic()  # one clock for every process on the machine
        body = await request.json()
        app.state.requests.append(body)
        if starting():
            return JSONResponse({"object": "error", "message": "Server is starting", "type": "503", "code": 503}, 503)
        if mode == "slow":
            await asyncio.sleep(delay)
        if mode == "garbage":
            return JSONResponse({"text": "banana", "meta_info": {"input_token_logprobs": "lots"}})
        if mode == "queue_full":
            message = "The request queue is full."
            return JSONResponse({"object": "error", "message": message, "type": "503", "code": 503}, 503)
        if (body.get("text") is None) == (body.get("input_ids") is None):
            return JSONResponse({"error": {"message": "Either text or input_ids should be provided."}}, 400)
        ids_field = body.get("input_ids")
        single = isinstance(body.get("text"), str) or (
            ids_field is not None and ids_field and isinstance(ids_field[0], int)
        )
        prompts = [body.get("text") or ids_field] if single else (body.get("text") or ids_field)
        prompts = [tokenizer.encode(p) if isinstance(p, str) else p for p in prompts]

        def per_prompt(name: str, default: Any) -> list:
            value = body.get(name, default)
            return value if isinstance(value, list) else [value] * len(prompts)

        params, starts = per_prompt("sampling_params", {}), per_prompt("logprob_start_len", -1)
        want_logprob = bool(body.get("return_logprob"))
        try:
            for p in params:
                if p.get("regex"):
                    re.compile(p["regex"])
            results = [
                one_result(
                    ids,
                    p,
                    -1 if s is None else s,
                    want_logprob,
                    int(body.get("top_logprobs_num") or 0),
                    bool(body.get("return_text_in_logprobs")),
                )
                for ids, p, s in zip(prompts, params, starts, strict=True)
            ]
        except (AbortError, re.error) as exc:
            return JSONResponse({"error": {"message": str(exc)}}, 400)
        account(prompts, [-1 if s is None else s for s in starts], want_logprob)
        if want_logprob and scorings_log is not None:  # a file: it outlives a killed stand-in
            with scorings_log.open("a") as log:
                log.write(json.dumps({"at": arrived, "pair": pair_of(tokenizer.decode(prompts[0]))}) + "\n")
        return results[0] if single else results

    async def health_generate() -> Response:
        if starting():
            return Response(status_code=503)
        await asyncio.sleep(health_delay)  # SGLang's loop sleeps a second before it looks
        return Response(status_code=200)

    app.add_api_route("/health", health_generate, methods=["GET"])
    app.add_api_route("/health_generate", health_generate, methods=["GET"])

    @app.get("/ready")
    async def ready() -> Response:
        return Response(status_code=503 if starting() else 200)

    @app.get("/model_info")
    async def model_info():
        return {"model_path": model_path, "tokenizer_path": model_path, "is_generation": True}

    @app.get("/get_model_info")  # deprecated in SGLang 0.5.23, still answered
    async def get_model_info():
        return await model_info()

    @app.get("/v1/models")
    async def available_models():
        card = {
            "id": model_path,
            "object": "model",
            "created": int(time.time()),
            "owned_by": "sglang",
            "root": model_path,
            "parent": None,
            "max_model_len": 32768,
        }
        return {"object": "list", "data": [card]}

    @app.get("/server_info")
    async def server_info():
        return {
            "model_path": model_path,
            "tokenizer_path": model_path,
            "schedule_policy": "fcfs",
            "internal_states": [{}],
            "version": "0.5.23",
            "frontend": "python",
        }

    @app.get("/_requests")  # test hook: what the stub received
    async def received():
        return app.state.requests

    @app.delete("/_requests")  # test hook: forget what it received (a stub shared by several tests)
    async def forget():
        app.state.requests.clear()
        return {}

    @app.get("/_stats")  # test hook: the radix cache's accounting
    async def radix_stats():
        return stats

    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--tokenizer", required=True)
    parser.add_argument("--script", default="{}", help='JSON {"label|answer": "category"}')
    parser.add_argument("--mode", default="normal", choices=["normal", "slow", "garbage", "queue_full"])
    parser.add_argument("--model-path", default="stub/judge-model")
    parser.add_argument("--delay", type=float, default=30, help="seconds a slow /generate takes")
    parser.add_argument("--health-delay", type=float, default=1.0, help="seconds /health takes (SGLang: ~1)")
    parser.add_argument("--start-delay", type=float, default=0.0, help="seconds it answers 503 'starting'")
    parser.add_argument("--null-logprobs", action="store_true", help="null (-inf) for the other replies")
    parser.add_argument("--scorings-log", type=Path, help='JSON lines {"at": arrival (monotonic), "pair": ...}')
    args = parser.parse_args()
    tokenizer = FastTokenizer(Path(args.tokenizer))
    app = create_stub(
        tokenizer,
        json.loads(args.script),
        args.mode,
        args.model_path,
        args.delay,
        args.health_delay,
        args.start_delay,
        args.null_logprobs,
        args.scorings_log,
    )
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()

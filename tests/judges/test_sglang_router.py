"""The SGLang adapter through the real SGLang router (``smg``, the Rust binary from PyPI, pinned
to what deploy/router.Dockerfile installs), started with the compose scale profile's flags, in
front of two SGLang stand-in workers."""

from __future__ import annotations

import asyncio
import shutil
import sys
from collections import Counter
from pathlib import Path

import httpx
import pytest
from support.deployment import router_argv
from support.processes import ServerProcess, free_port
from support.sglang_process import StubServer

from verifier_service.grading import Category, GradeInput, Grader, Status
from verifier_service.judges.chat_prompt import load_tokenizer
from verifier_service.judges.resilience import RemotePolicy
from verifier_service.judges.sglang import SGLangJudge

SMG = shutil.which("smg", path=str(Path(sys.executable).parent))

# 48 distinct pairs, each with the category the stand-ins' script prefers for it.
PAIRS = {f"species {i}|answer {i}": ("specific", "more specific", "less specific", "generic")[i % 4] for i in range(48)}
POLICY = RemotePolicy(timeout=60, attempt_timeout=20, retries=2, backoff_max=0.5, max_concurrency=16)


def start_router(workers: list[StubServer], log_dir: Path) -> tuple[ServerProcess, str]:
    assert SMG, "the router is not installed: pip install smg (the dev extra pins it)"
    port = free_port()
    argv = [SMG, *router_argv(port=port, prometheus_port=free_port(), worker_urls=[w.url for w in workers])]
    url = f"http://127.0.0.1:{port}"
    # Workers register in the background: /readiness answers 200 once they are healthy and routable.
    router = ServerProcess("smg router", argv, log_dir / "router.log").start(url + "/readiness", timeout=120)
    return router, url


@pytest.fixture
def workers(smollm2_tokenizer_dir, tmp_path):
    started = [StubServer(smollm2_tokenizer_dir, tmp_path, script=PAIRS).start() for _ in range(2)]
    yield started
    for worker in started:
        worker.kill()


def expected_grades() -> list[tuple[Status, Category]]:
    return [(Status.OK, Category(category)) for category in PAIRS.values()]


def inputs() -> list[GradeInput]:
    return [GradeInput(*pair.split("|")) for pair in PAIRS]


async def test_grades_through_the_router_with_pairs_spread_over_both_workers(workers, smollm2_tokenizer_dir, tmp_path):
    router, url = start_router(workers, tmp_path)
    judge = SGLangJudge(url, tokenizer=str(smollm2_tokenizer_dir), policy=POLICY)
    grader = Grader(judges={"sglang": judge}, default_judge="sglang")
    try:
        # The router answers /get_model_info (not /model_info): the adapter falls back.
        assert (await judge.identity()).startswith("sglang:stub/judge-model")
        await judge.check_ready()  # /health_generate, through the router
        grades = (await grader.grade(inputs())).grades
    finally:
        await grader.aclose()
        router.stop()
    assert [(g.status, g.category) for g in grades] == expected_grades()
    tokenizer = load_tokenizer(smollm2_tokenizer_dir)
    scored = Counter()
    for index, worker in enumerate(workers):
        for body in worker.requests():
            if body.get("return_logprob"):
                text = tokenizer.decode(body["input_ids"][0])
                scored[index] += 1
                # the six replies followed their prompt's prefill to the worker that holds it
                prompt = body["input_ids"][0][: body["logprob_start_len"] + 1]
                assert any(b.get("input_ids") == prompt for b in worker.requests()), text[-80:]
    assert sum(scored.values()) == len(PAIRS)
    assert min(scored.values()) >= len(PAIRS) // 6, scored  # both workers did a share of the pairs


async def test_a_worker_killed_mid_run_costs_no_grade(workers, smollm2_tokenizer_dir, tmp_path):
    router, url = start_router(workers, tmp_path)
    judge = SGLangJudge(url, tokenizer=str(smollm2_tokenizer_dir), policy=POLICY)
    grader = Grader(judges={"sglang": judge}, default_judge="sglang")
    try:
        await judge.identity()
        run = asyncio.create_task(grader.grade(inputs() * 4 + [GradeInput("dog", f"breed {i}") for i in range(400)]))
        while min(len(w.requests()) for w in workers) < 30:  # the run is well under way on both
            await asyncio.sleep(0.05)
        workers[1].kill()
        grades = (await asyncio.wait_for(run, timeout=300)).grades
        after = (await grader.grade([GradeInput("cat", "lynx"), GradeInput("species 1", "answer 1")])).grades
    finally:
        await grader.aclose()
        router.stop()
    failed = [g.error for g in grades if g.status is not Status.OK]
    assert not failed, failed[:3]
    assert [(g.status, g.category) for g in grades[: len(PAIRS)]] == expected_grades()
    assert [g.category for g in after] == [Category.WRONG, Category.MORE_SPECIFIC]


async def test_the_router_rejects_a_list_of_logprob_start_len(workers, tmp_path):
    """Why the adapter sends one request per pair: the router's GenerateRequest takes one i32."""
    router, url = start_router(workers, tmp_path)
    body = {"input_ids": [[1, 2, 3], [1, 2, 4]], "sampling_params": {"max_new_tokens": 0}, "return_logprob": True}
    try:
        async with httpx.AsyncClient(base_url=url, timeout=30) as http:
            as_list = await http.post("/generate", json={**body, "logprob_start_len": [1, 1]})
            as_int = await http.post("/generate", json={**body, "logprob_start_len": 1})
    finally:
        router.stop()
    assert as_list.status_code == 422 and "expected i32" in as_list.text
    assert as_int.status_code == 200 and len(as_int.json()) == 2

"""The SGLang adapter against the stand-in written from SGLang 0.5.23's code
(tests/support/sglang_stub.py), and the stand-in's own fidelity to that code."""

import asyncio
import math
import time
from pathlib import Path

import httpx
import pytest
from support.processes import free_port
from support.sglang_process import StubServer

from verifier_service.config import Settings
from verifier_service.grading import CATEGORY_NAMES, Category, GradeInput, Grader, JudgeRequest, Source, Status
from verifier_service.judges.chat_prompt import ChatPromptEncoder, load_tokenizer
from verifier_service.judges.resilience import JudgeUnavailableError, RemotePolicy
from verifier_service.judges.scoring import CONTENT_FREE_REQUESTS
from verifier_service.judges.sglang import SGLangJudge

FAST = RemotePolicy(timeout=5, attempt_timeout=3, retries=1, backoff_max=0.1, breaker_failures=2, breaker_reset=0.5)


@pytest.fixture(scope="module")
def shared_stub(smollm2_tokenizer_dir, tmp_path_factory):
    running = StubServer(smollm2_tokenizer_dir, tmp_path_factory.mktemp("sglang")).start()
    yield running
    running.kill()


@pytest.fixture
def stub(shared_stub):
    """The healthy stand-in, its record of requests cleared for this test."""
    httpx.delete(shared_stub.url + "/_requests")
    return shared_stub


def make_judge(url: str, tokenizer_dir: Path, **kwargs) -> SGLangJudge:
    return SGLangJudge(url, tokenizer=str(tokenizer_dir), policy=kwargs.pop("policy", FAST), **kwargs)


async def test_grades_pairs_with_exact_option_scores(stub, smollm2_tokenizer_dir):
    judge = make_judge(stub.url, smollm2_tokenizer_dir)
    requests = [JudgeRequest("dog", "samoyed"), JudgeRequest("lion", "panthera leo"), JudgeRequest("cat", "lynx")]
    outcomes = await judge.judge(requests)
    assert [o.category for o in outcomes] == [Category.MORE_SPECIFIC, Category.SPECIFIC, Category.WRONG]
    for outcome in outcomes:
        assert tuple(outcome.probabilities) == CATEGORY_NAMES
        assert math.isclose(sum(outcome.probabilities.values()), 1.0, abs_tol=1e-9)
    # The preferred reply's tokens each got -0.05 and the others -3.0: the distribution follows exactly.
    encoder = ChatPromptEncoder(load_tokenizer(smollm2_tokenizer_dir))
    scores = [
        len(o) * (-0.05 if name == "more specific" else -3.0)
        for name, o in zip(CATEGORY_NAMES, encoder.option_ids, strict=True)
    ]
    top = max(scores)
    expected = [math.exp(s - top) / sum(math.exp(x - top) for x in scores) for s in scores]
    assert list(outcomes[0].probabilities.values()) == pytest.approx(expected)
    await judge.aclose()


async def test_request_follows_the_native_api(stub, smollm2_tokenizer_dir):
    judge = make_judge(stub.url, smollm2_tokenizer_dir)
    await judge.judge([JudgeRequest("dog", "samoyed", "dog < canid < mammal"), JudgeRequest("cat", "lynx")])
    bodies = stub.requests()
    prefills = [b for b in bodies if "return_logprob" not in b]
    scores = [b for b in bodies if "return_logprob" in b]
    assert len(prefills) == 2 and len(scores) == 2  # per pair: its prompt prefilled, then its six replies
    for prefill in prefills:
        assert set(prefill) == {"input_ids", "sampling_params"} and prefill["sampling_params"] == {"max_new_tokens": 0}
        assert isinstance(prefill["input_ids"][0], int)  # one sequence: the prompt alone
    body = next(b for b in scores if "canid" in load_tokenizer(smollm2_tokenizer_dir).decode(b["input_ids"][0]))
    assert set(body) == {"input_ids", "sampling_params", "return_logprob", "logprob_start_len"}
    assert len(body["input_ids"]) == 6 and isinstance(body["logprob_start_len"], int)  # one integer: the router's type
    assert body["sampling_params"] == {"max_new_tokens": 0, "temperature": 0.0} and body["return_logprob"] is True
    tokenizer = load_tokenizer(smollm2_tokenizer_dir)
    first = tokenizer.decode(body["input_ids"][0])
    # the served model's own chat template, the lineage as context, the reply after the generation prompt
    assert first.startswith("<|im_start|>system\nYou grade the answer of an image classifier")
    assert "<label_lineage>dog < canid < mammal</label_lineage>" in first
    assert first.endswith("<|im_start|>assistant\nspecific<|im_end|>")
    prompt_length = len(body["input_ids"][0]) - len(tokenizer("specific", add_special_tokens=False).input_ids) - 1
    assert body["logprob_start_len"] == prompt_length - 1
    assert body["input_ids"][0][:prompt_length] == body["input_ids"][5][:prompt_length]  # same prompt, six replies
    assert any(p["input_ids"] == body["input_ids"][0][:prompt_length] for p in prefills)  # the prompt, prefilled
    await judge.aclose()


async def test_identity_comes_from_the_server_and_a_wrong_model_is_refused(stub, smollm2_tokenizer_dir):
    judge = make_judge(stub.url, smollm2_tokenizer_dir)
    assert await judge.identity() == "sglang:stub/judge-model|prompt=v1|scoring=options"
    await judge.check_ready()
    wrong = make_judge(stub.url, smollm2_tokenizer_dir, model="Qwen/Qwen3-30B-A3B-Instruct-2507")
    assert await wrong.identity() == "sglang:Qwen/Qwen3-30B-A3B-Instruct-2507|prompt=v1|scoring=options"
    with pytest.raises(RuntimeError, match="serves 'stub/judge-model'"):
        await wrong.judge([JudgeRequest("dog", "samoyed")])
    await judge.aclose()
    await wrong.aclose()


async def test_content_free_calibration_divides_by_the_prior_scored_once(stub, smollm2_tokenizer_dir):
    plain = make_judge(stub.url, smollm2_tokenizer_dir)
    calibrated = make_judge(stub.url, smollm2_tokenizer_dir, calibration="content_free")
    assert await calibrated.identity() == "sglang:stub/judge-model|prompt=v1|scoring=options|calibration=content_free"
    pairs = [JudgeRequest("dog", "samoyed"), JudgeRequest("cat", "lynx")]
    raw = await plain.judge(pairs)
    content_free = await plain.judge(list(CONTENT_FREE_REQUESTS))
    httpx.delete(stub.url + "/_requests")
    first = await calibrated.judge(pairs)
    again = await calibrated.judge(pairs[:1])
    scored = [b for b in stub.requests() if "return_logprob" in b]
    assert len(scored) == len(CONTENT_FREE_REQUESTS) + 3  # the prior once, then one request per pair
    # Zhao et al. 2021: p(c | pair) / mean over content-free pairs of p(c | content-free), renormalised
    prior = {c: sum(o.probabilities[c] for o in content_free) / len(content_free) for c in CATEGORY_NAMES}
    for before, after in zip(raw, first, strict=True):
        ratios = {c: before.probabilities[c] / prior[c] for c in CATEGORY_NAMES}
        total = sum(ratios.values())
        assert after.probabilities == pytest.approx({c: r / total for c, r in ratios.items()})
    assert first[0].category is Category.MORE_SPECIFIC and again[0] == first[0]
    await plain.aclose()
    await calibrated.aclose()


async def test_service_grades_through_sglang_given_only_a_url(stub, smollm2_tokenizer_dir, app_server, tmp_path):
    settings = Settings(
        data_dir=tmp_path / "data",
        judges={"sglang": {"kind": "sglang", "url": stub.url, "tokenizer": str(smollm2_tokenizer_dir)}},
    )
    with app_server(settings) as server, server.client() as http:
        items = [{"ground_truth": "dog", "prediction": "samoyed"}, {"ground_truth": "dog", "prediction": "none"}]
        first = http.post("/grade", json={"items": items, "return_probabilities": True}).json()
        again = http.post("/grade", json={"items": items[:1]}).json()
        ready = http.get("/readyz")
        judges = http.get("/judges").json()
    assert [(g["category"], g["source"]) for g in first["grades"]] == [("more specific", "judge"), ("abstain", "rule")]
    assert math.isclose(sum(first["grades"][0]["probabilities"].values()), 1.0, abs_tol=1e-9)
    assert again["grades"][0]["source"] == "cache"
    assert ready.status_code == 200 and judges["judges"]["sglang"].startswith("sglang:stub/judge-model")


# ---- faults ---------------------------------------------------------------------------------
async def test_judge_not_running_is_a_per_item_error_quickly(smollm2_tokenizer_dir):
    judge = make_judge(f"http://127.0.0.1:{free_port()}", smollm2_tokenizer_dir)
    grader = Grader(judges={"sglang": judge}, default_judge="sglang")
    started = time.monotonic()
    grades = (await grader.grade([GradeInput("dog", "samoyed"), GradeInput("dog", "dog")])).grades
    assert time.monotonic() - started < 10
    assert grades[0].status is Status.JUDGE_ERROR and grades[0].category is None
    assert "unavailable" in grades[0].error and "ConnectError" in grades[0].error
    assert grades[1].source is Source.RULE
    await grader.aclose()


async def test_judge_dying_mid_batch_then_restarted(smollm2_tokenizer_dir, tmp_path):
    slow = StubServer(smollm2_tokenizer_dir, tmp_path, mode="slow").start()
    judge = make_judge(slow.url, smollm2_tokenizer_dir)
    grader = Grader(judges={"s": judge}, default_judge="s")
    await judge.identity()
    call = asyncio.create_task(grader.grade([GradeInput("dog", "samoyed"), GradeInput("cat", "lynx")]))
    await asyncio.sleep(1.0)
    slow.kill()  # the server dies while the batch is in flight
    grades = (await asyncio.wait_for(call, timeout=10)).grades
    assert [g.status for g in grades] == [Status.JUDGE_ERROR, Status.JUDGE_ERROR]
    assert all(g.category is None for g in grades)

    healthy = slow.restart(mode="normal")  # the server comes back on the same port
    try:
        await asyncio.sleep(0.6)  # past the breaker's reset, if it opened
        grades = (await grader.grade([GradeInput("dog", "samoyed")])).grades
        assert grades[0].status is Status.OK and grades[0].category is Category.MORE_SPECIFIC
    finally:
        healthy.kill()
        await grader.aclose()


async def test_judge_too_slow_hits_the_deadline(smollm2_tokenizer_dir, tmp_path):
    slow = StubServer(smollm2_tokenizer_dir, tmp_path, mode="slow").start()
    try:
        policy = RemotePolicy(timeout=1.5, attempt_timeout=1.0, retries=0, breaker_failures=5)
        grader = Grader(judges={"s": make_judge(slow.url, smollm2_tokenizer_dir, policy=policy)}, default_judge="s")
        started = time.monotonic()
        grades = (await grader.grade([GradeInput("dog", "samoyed")])).grades
        assert time.monotonic() - started < 5
        assert grades[0].status is Status.JUDGE_ERROR and "Timeout" in grades[0].error
        await grader.aclose()
    finally:
        slow.kill()


async def test_judge_answering_garbage(smollm2_tokenizer_dir, tmp_path):
    garbage = StubServer(smollm2_tokenizer_dir, tmp_path, mode="garbage").start()
    try:
        grader = Grader(judges={"s": make_judge(garbage.url, smollm2_tokenizer_dir)}, default_judge="s")
        grades = (await grader.grade([GradeInput("dog", "samoyed"), GradeInput("cat", "lynx")])).grades
        assert all(g.status is Status.JUDGE_ERROR and g.category is None for g in grades)
        assert "results for 6 sequences" in grades[0].error
        await grader.aclose()
    finally:
        garbage.kill()


async def test_breaker_fails_fast_while_down_and_recovers(smollm2_tokenizer_dir, tmp_path):
    port = free_port()
    judge = make_judge(f"http://127.0.0.1:{port}", smollm2_tokenizer_dir, model="stub/judge-model")
    for _ in range(2):  # two failed calls open the breaker
        with pytest.raises(JudgeUnavailableError, match="ConnectError"):
            await judge.judge([JudgeRequest("dog", "samoyed")])
    started = time.monotonic()
    with pytest.raises(RuntimeError, match="circuit breaker open"):
        await judge.judge([JudgeRequest("dog", "samoyed")])
    assert time.monotonic() - started < 0.1  # fails fast, no network
    stub = StubServer(smollm2_tokenizer_dir, tmp_path, port=port).start()
    try:
        await asyncio.sleep(0.6)  # past breaker_reset: the next call is a trial
        outcomes = await judge.judge([JudgeRequest("dog", "samoyed")])
        assert outcomes[0].category is Category.MORE_SPECIFIC
    finally:
        stub.kill()
        await judge.aclose()


# ---- what SGLang's code does, and the adapter's answer to it ---------------------------------
def test_stand_in_logprob_start_len_and_error_shapes(stub, smollm2_tokenizer_dir):
    """SGLang 0.5.23: -1 with return_logprob means no input logprobs; the input's length gives an
    empty list; beyond it the request is aborted with 400 {"error": {"message"}}; entry 0 is null."""
    ids = load_tokenizer(smollm2_tokenizer_dir)("a samoyed in the snow", add_special_tokens=False).input_ids

    def logprobs(start: int) -> httpx.Response:
        body = {"input_ids": ids, "sampling_params": {"max_new_tokens": 0}, "return_logprob": True}
        return httpx.post(stub.url + "/generate", json={**body, "logprob_start_len": start})

    assert logprobs(-1).json()["meta_info"]["input_token_logprobs"] == []
    assert logprobs(len(ids)).json()["meta_info"]["input_token_logprobs"] == []
    last = logprobs(len(ids) - 1).json()["meta_info"]
    assert last["input_token_logprobs"] == [[None, ids[-1], None]] and last["completion_tokens"] == 0
    beyond = logprobs(len(ids) + 1)
    assert beyond.status_code == 400 and "higher than the number of input tokens" in beyond.json()["error"]["message"]
    neither = httpx.post(stub.url + "/generate", json={"sampling_params": {}})
    assert neither.status_code == 400 and neither.json()["error"]["message"]


async def test_null_logprobs_are_minus_infinity(smollm2_tokenizer_dir, tmp_path):
    server = StubServer(smollm2_tokenizer_dir, tmp_path, extra_args=["--null-logprobs"]).start()
    judge = make_judge(server.url, smollm2_tokenizer_dir)
    try:
        (outcome,) = await judge.judge([JudgeRequest("dog", "samoyed")])
    finally:
        await judge.aclose()
        server.kill()
    assert outcome.category is Category.MORE_SPECIFIC
    assert outcome.probabilities == {name: float(name == "more specific") for name in CATEGORY_NAMES}


async def test_a_full_queue_is_retried_then_reported_with_sglangs_message(smollm2_tokenizer_dir, tmp_path):
    server = StubServer(smollm2_tokenizer_dir, tmp_path, mode="queue_full").start()
    grader = Grader(judges={"s": make_judge(server.url, smollm2_tokenizer_dir)}, default_judge="s")
    try:
        (grade,) = (await grader.grade([GradeInput("dog", "samoyed")])).grades
        sent = len(server.requests())
    finally:
        await grader.aclose()
        server.kill()
    assert grade.status is Status.JUDGE_ERROR and grade.category is None
    assert "503: The request queue is full." in grade.error
    assert sent == 1 + FAST.retries  # a 503 is transient: retried, then given up


async def test_a_starting_server_is_not_ready_then_is(smollm2_tokenizer_dir, tmp_path, app_server):
    """SGLang answers 503 from /health_generate while it starts: "not ready", not a protocol error."""
    server = StubServer(smollm2_tokenizer_dir, tmp_path, extra_args=["--start-delay", "4"])
    server.start(ready_path="/model_info")
    settings = Settings(
        data_dir=tmp_path / "data",
        readiness_cache_s=0.5,
        judges={"s": {"kind": "sglang", "url": server.url, "tokenizer": str(smollm2_tokenizer_dir)}},
    )
    try:
        with app_server(settings) as app, app.client() as http:
            starting = http.get("/readyz")
            deadline = time.monotonic() + 30
            while (ready := http.get("/readyz")).status_code != 200 and time.monotonic() < deadline:
                time.sleep(0.5)
    finally:
        server.kill()
    assert starting.status_code == 503
    assert "starting" in starting.json()["checks"]["judge:s"]
    assert ready.status_code == 200, ready.text


async def test_a_router_with_no_worker_yet_is_unavailable_and_retried(smollm2_tokenizer_dir):
    """smg answers 404 "No worker available" while its workers register (after a restart): a
    transient failure, retried, then reported as unavailable; never a protocol error."""
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/model_info":
            return httpx.Response(200, json={"model_path": "stub/judge-model"})
        calls.append(request.url.path)
        return httpx.Response(404, json={"error": {"message": "No worker available for model 'unknown'"}})

    judge = SGLangJudge(
        "http://router.test", tokenizer=str(smollm2_tokenizer_dir), policy=FAST, transport=httpx.MockTransport(handler)
    )
    (outcome,) = await judge.judge([JudgeRequest("dog", "samoyed")])
    assert outcome.kind.value == "unavailable" and "No worker available" in outcome.reason
    assert len(calls) == FAST.retries + 1  # retried
    await judge.aclose()

"""Every request body the SGLang adapter sends passes SGLang 0.5.23's own request validation
(the ``sglang`` wheel's GenerateReqInput, contract check and SamplingParams, in .venv-sglang;
see tests/support/sglang_validation/validate.py for exactly what runs)."""

import pytest
from support.sglang_process import StubServer
from support.sglang_validation import SGLangValidator

from verifier_service.grading import Category, JudgeRequest
from verifier_service.judges.chat_prompt import load_tokenizer
from verifier_service.judges.resilience import RemotePolicy
from verifier_service.judges.sglang import SGLangJudge

PAIRS = [  # what reaches the judge, as the grader hands it over
    JudgeRequest("dog", "samoyed"),
    JudgeRequest("golden-winged warbler", "vermivora chrysoptera", "bird < warbler"),
    JudgeRequest("737-800", "boeing 737"),
    JudgeRequest("café crème", "kaffee mit milch"),
    JudgeRequest("蒲公英", "dandelion"),
    JudgeRequest("a" * 200, "b" * 200),
    JudgeRequest("lion", "panthera leo"),
]


@pytest.fixture(scope="module")
def validator():
    running = SGLangValidator()
    yield running
    running.close()


@pytest.mark.parametrize("prefill_prompt", [True, False])
async def test_every_body_the_adapter_sends_passes_sglangs_validation(
    validator, smollm2_tokenizer_dir, tmp_path, prefill_prompt
):
    server = StubServer(smollm2_tokenizer_dir, tmp_path).start()
    judge = SGLangJudge(
        server.url, tokenizer=str(smollm2_tokenizer_dir), prefill_prompt=prefill_prompt, policy=RemotePolicy(retries=0)
    )
    try:
        outcomes = await judge.judge(PAIRS)
        bodies = server.requests()
    finally:
        await judge.aclose()
        server.kill()
    assert all(isinstance(o.category, Category) for o in outcomes), outcomes
    assert len(bodies) == len(PAIRS) * (2 if prefill_prompt else 1)
    vocab_size = len(load_tokenizer(smollm2_tokenizer_dir))
    verdicts = [validator.check(body, vocab_size) for body in bodies]
    assert all(v["ok"] for v in verdicts), [v for v in verdicts if not v["ok"]][:2]
    assert sorted(v["batch_size"] for v in verdicts) == sorted([6] * len(PAIRS) + [1] * (len(bodies) - len(PAIRS)))


@pytest.mark.parametrize(
    ("change", "stage", "fragment"),
    [
        ({"sampling_params": {"max_new_tokens": -1}}, "per-sequence", "max_new_tokens"),
        ({"sampling_params": {"max_new_tokens": 0, "temperature": -1.0}}, "per-sequence", "temperature"),
        ({"sampling_params": {"max_new_tokens": 0, "top_logprob": 5}}, "contract", "unknown field"),
        ({"input_ids": "samoyed"}, "parse", "must be list"),
        ({"logprob_start_len": 99}, "per-sequence", "logprob_start_len=99"),
        ({"input_ids": [[1, 2, 3], [1, 2, 10**9]]}, "per-sequence", "vocabulary"),
    ],
)
def test_the_validation_rejects_what_sglang_rejects(validator, change, stage, fragment):
    """The check can fail: bodies SGLang refuses are refused here, at the stage SGLang refuses them."""
    body = {
        "input_ids": [[1, 2, 3], [1, 2, 4]],
        "sampling_params": {"max_new_tokens": 0, "temperature": 0.0},
        "return_logprob": True,
        "logprob_start_len": 2,
    }
    assert validator.check(body, 49152)["ok"]
    verdict = validator.check({**body, **change}, 49152)
    assert not verdict["ok"] and verdict["stage"] == stage and fragment in verdict["error"], verdict

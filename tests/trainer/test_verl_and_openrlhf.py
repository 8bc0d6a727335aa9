"""The reward functions inside the trainers' own code: verl 0.9.1's reward-loop registry and batch
reward manager, and OpenRLHF 0.11.2's reward request, run in .venv-verl against a live verifier;
every reward equals ``trainer_client.rewards``'s for the same groups."""

import random

import pytest
from support.fakes import ScriptedJudge
from support.verl_checks import run_in_verl

from trainer_client.rewards import best_of_rollout_rewards
from verifier_service.config import Settings
from verifier_service.grading import Category

pytestmark = pytest.mark.slow

TRUTH = "zorblax"
ANSWERS = {"alpha": "specific", "omega": "more specific", "beta": "less specific", "gamma": "generic",
           "delta": "wrong", "I don't know": "abstain", None: "unparseable"}  # fmt: skip
TABLE = {
    (TRUTH, "alpha"): Category.SPECIFIC,
    (TRUTH, "omega"): Category.MORE_SPECIFIC,
    (TRUTH, "beta"): Category.LESS_SPECIFIC,
    (TRUTH, "gamma"): Category.GENERIC,
    (TRUTH, "delta"): Category.WRONG,
}
PROMPT = "<|im_start|>user\nWhat is in image {g}? Answer in <answer></answer> tags.<|im_end|>\n<|im_start|>assistant\n"


def response(answer):
    return "<think>looking</think>" + (f"<answer>{answer}</answer>" if answer is not None else "no tag")


def test_verl_reward_loop_batch_manager_and_openrlhf(live_server, smollm2_tokenizer_dir, tmp_path):
    rng = random.Random(5)
    n, groups = 4, 6
    rollouts, categories = [], []
    for g in range(groups):
        for _ in range(n):
            answer = rng.choice(list(ANSWERS))
            categories.append(ANSWERS[answer])
            sample = {"uid": f"uid-{g}", "data_source": "cub-200", "extra_info": {"index_orig": g}}
            rollouts.append(
                {**sample, "prompt": PROMPT.format(g=g), "response": response(answer), "ground_truth": TRUTH}
            )
    expected = best_of_rollout_rewards(categories, [r["uid"] for r in rollouts])
    with live_server(Settings(data_dir=tmp_path), {"j": ScriptedJudge(TABLE)}) as server:
        job = {
            "url": server.url,
            "tokenizer": str(smollm2_tokenizer_dir),
            "n": n,
            "seed": 2,
            "rollouts": rollouts,
            "openrlhf_url": f"{server.url}/openrlhf/reward?group_size={n}&linger_s=0.2",
            "openrlhf": [
                {"query": r["prompt"] + r["response"] + "<|im_end|>", "prompt": r["prompt"], "label": TRUTH}
                for r in rollouts
            ],
        }
        found = run_in_verl(job)
    assert found["reward_loop"] == expected
    assert [info["category"] for info in found["reward_loop_info"]] == categories
    assert found["batch"] == expected  # the method's compute_score_batch, grouped by its own sample identity
    assert [answer["rewards"] for answer in found["openrlhf"]] == expected

"""Real GRPOTrainer steps on the CPU (tiny preset) against a live verifier over HTTP."""

import math

import pytest
from support.fakes import ScriptedJudge
from support.recording import RecordingClient, RecordingReward

from trainer_client.extraction import completion_text, extract_answer
from trainer_client.rewards import ERROR, UNPARSEABLE, best_of_rollout_rewards
from trainer_client.train import build_trainer, load_train_config
from verifier_service.config import Settings
from verifier_service.grading import Category

pytestmark = pytest.mark.slow


def test_grpo_steps_use_exactly_the_rules_rewards(live_server, tmp_path):
    # The judge answers by prediction, so groups mix categories: "wrong" for most, a few correct.
    judge = ScriptedJudge(default=Category.WRONG)
    for truth in ("golden-winged warbler", "blue-winged warbler", "american robin", "northern cardinal"):
        judge.table[(truth, "bird")] = Category.GENERIC
        judge.table[(truth, "warbler")] = Category.LESS_SPECIFIC
    judge.table[("samoyed", "dog")] = Category.GENERIC
    with live_server(Settings(data_dir=tmp_path / "data"), {"j": judge}) as server:
        config = load_train_config(
            preset="tiny",
            verifier_url=server.url,
            output_dir=tmp_path / "run",
            max_steps=3,
            per_device_train_batch_size=8,
            max_completion_length=10,
        )
        client = RecordingClient(server.url)
        reward = RecordingReward(client, num_generations=config.num_generations)
        trainer = build_trainer(config, reward=reward)
        trainer.train()

    assert len(reward.calls) == 3 and len(client.answers) == 3
    assert sum(len(pairs) for pairs, _ in client.answers) > 0, "no completion had an answer: the test saw nothing"
    for call, (pairs, grades) in zip(reward.calls, client.answers, strict=True):
        # Recompute independently: extraction, the service's grades, the pure rules.
        answers = [extract_answer(completion_text(c)) for c in call["completions"]]
        assert [a for a in answers if a is not None] == [p for _, p in pairs]
        served = iter(grades)
        categories = []
        for answer in answers:
            if answer is None:
                categories.append(UNPARSEABLE)
            else:
                grade = next(served)
                categories.append(grade.category if grade.status == "ok" else ERROR)
        expected = best_of_rollout_rewards(categories, call["columns"]["sample_id"])
        assert call["rewards"] == expected

    # What the trainer itself recorded and logged for the last step is what the rules gave.
    used = list(trainer._logs["rewards"][reward.__name__])
    last = reward.calls[-1]["rewards"]
    assert len(used) == len(last)
    for got, want in zip(used, last, strict=True):
        assert (math.isnan(got) and want is None) or got == want
    logged = [h for h in trainer.state.log_history if f"rewards/{reward.__name__}/mean" in h]
    assert len(logged) == 3
    for entry, call in zip(logged, reward.calls, strict=True):
        scored = [r for r in call["rewards"] if r is not None]
        assert entry[f"rewards/{reward.__name__}/mean"] == pytest.approx(sum(scored) / len(scored))

"""The verl reward manager launched as users launch it (issue 31): the README's command and
``verl_main_cub.sh``'s overrides, composed by hydra from verl 0.9.1's own yaml, checked by
main_ppo's ``validate_config``, run by verl's ``RewardLoopManager`` in Ray reward workers on a CPU
(``.venv-verl``), against a live verifier with an API key read from a file. Training and
validation groups of different sizes, rollouts sent twice (verl pads a batch with copies), and the
configurations that would stall, which are refused when the manager is built."""

import os
import random
import re
import shlex
import subprocess
from pathlib import Path

import pytest
from support.fakes import ScriptedJudge
from support.verl_checks import REPO, run_script

from trainer_client.rewards import best_of_rollout_rewards
from verifier_service.config import Settings
from verifier_service.grading import Category

pytestmark = pytest.mark.slow

KEY = "verl-launch-test-key-0123456789"
TRUTH = "Golden winged Warbler"
ANSWERS = ["Golden-winged Warbler", "warbler", "bird", "Blue winged Warbler", "I don't know", None, "crow"]
PROMPT = (
    "<|im_start|>user\nWhat bird is in image {g}? Answer in <answer></answer> tags.<|im_end|>\n<|im_start|>assistant\n"
)


# What a user's own overrides (the README command's ``...``) hold at least: main_ppo refuses to start without.
USERS_OWN = [
    "actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu=1",
    "actor_rollout_ref.rollout.log_prob_micro_batch_size_per_gpu=1",
    "actor_rollout_ref.ref.log_prob_micro_batch_size_per_gpu=1",
]


def readme_overrides() -> list[str]:
    """The hydra overrides of the README's verl command, after the user's own (its ``...``)."""
    text = (REPO / "README.md").read_text()
    command = re.search(r"```bash\n\s*(python3 -m verl\.trainer\.main_ppo .*?)\n\s*```", text, re.S).group(1)
    words = shlex.split(command.replace("\\\n", " "))
    assert words[:4] == ["python3", "-m", "verl.trainer.main_ppo", "..."], words[:4]
    return USERS_OWN + words[4:]


def script_overrides(tmp_path: Path, key_file: Path) -> list[str]:
    """What ``verl_main_cub.sh`` passes to main_ppo: run with ``python3`` standing in to record it."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    recorder = bin_dir / "python3"
    recorder.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > {tmp_path / "argv"}\n')
    recorder.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "VERIFIER_URL": "http://verifier:8000",
           "TRAIN_FILES": "train.parquet", "VAL_FILES": "val.parquet",
           "VERIFIER_API_KEY_FILE": str(key_file)}  # fmt: skip
    subprocess.run(["bash", str(REPO / "trainer_client/configs/verl_main_cub.sh")], env=env, check=True)
    argv = (tmp_path / "argv").read_text().splitlines()
    assert argv[:2] == ["-m", "verl.trainer.main_ppo"]
    return argv[2:]


def replaced(overrides: list[str], **values: str) -> list[str]:
    """``overrides`` with the given keys' values replaced (a key's ``+`` is hydra's "new key": kept
    from ``overrides``), the others appended as given."""
    given = {k.lstrip("+"): (k, v) for k, v in values.items()}
    out, done = [], set()
    for override in overrides:
        key = override.split("=", 1)[0]
        if key.lstrip("+") in given:
            out.append(f"{key}={given[key.lstrip('+')][1]}")
            done.add(key.lstrip("+"))
        else:
            out.append(override)
    return out + [f"{k}={v}" for bare, (k, v) in given.items() if bare not in done]


def rollouts(groups: int, size: int, rng: random.Random, **extra_info) -> list[dict]:
    found = []
    for g in range(groups):
        uid = f"{rng.getrandbits(64):x}"  # verl gives every prompt a fresh uid, validation included
        for session in range(size):
            answer = rng.choice(ANSWERS)
            found.append({"uid": uid, "session_id": session, "prompt": PROMPT.format(g=g), "ground_truth": TRUTH,
                          "response": "<think>looking</think>" + (f"<answer>{answer}</answer>" if answer else "none"),
                          "answer": answer, "extra_info": dict(extra_info)})  # fmt: skip
    rng.shuffle(found)
    return found


def expected(batch: list[dict], http) -> list[float]:
    """Best-of-rollout rewards from the categories the service's own /grade gives (an answer tag
    missing: unparseable)."""
    items = [{"ground_truth": r["ground_truth"], "prediction": r["answer"] or "x"} for r in batch]
    grades = http.post("/grade", json={"items": items, "taxonomy": "cub-200"}).json()["grades"]
    categories = [g["category"] if r["answer"] else "unparseable" for g, r in zip(grades, batch, strict=True)]
    return best_of_rollout_rewards(categories, [r["uid"] for r in batch])


def test_the_readme_command_in_verls_reward_loop_manager(live_server, smollm2_tokenizer_dir, tmp_path):
    key_file = tmp_path / "verifier_api_key"
    key_file.write_text(KEY + "\n")
    readme = readme_overrides()
    assert "reward.reward_manager.module.path=pkg://trainer_client.verl_reward_loop" in readme
    on_cpu = {"actor_rollout_ref.model.path": str(smollm2_tokenizer_dir), "reward.num_workers": "2"}
    rng = random.Random(3)
    judge = ScriptedJudge({}, default=Category.WRONG)
    with live_server(Settings(data_dir=tmp_path / "data", api_keys=[KEY]), {"j": judge}) as server:
        import httpx

        http = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {KEY}"}, timeout=60)
        training = rollouts(3, 8, rng)  # the README's rollout.n
        sized = rollouts(2, 4, rng, group_size=4) + rollouts(3, 1, rng, group_size=1)  # training and validation rows
        with_data_sizes = replaced(
            readme, **{"actor_rollout_ref.rollout.val_kwargs.n": "1", "actor_rollout_ref.rollout.n": "4",
                       "+reward.speciarl.group_size_in_data": "true"})  # fmt: skip
        urls = {"reward.speciarl.verifier_url": server.url, "reward.speciarl.api_key_file": str(key_file)}
        stalling = replaced(readme, **{"actor_rollout_ref.rollout.val_kwargs.n": "1", **on_cpu, **urls})
        job = {
            "tokenizer": str(smollm2_tokenizer_dir),
            "runs": [
                {"overrides": replaced(readme, **on_cpu, **urls), "batches": [training, training[:5]]},
                {"overrides": replaced(with_data_sizes, **on_cpu, **urls), "batches": [sized]},
            ],  # the first's second batch: five rollouts sent again
            "refused": [
                stalling,  # validation with val_kwargs.n 1 and rollout.n 8
                replaced(stalling, **{"trainer.val_before_train": "false", "trainer.test_freq": "5"}),
                replaced(stalling, **{"trainer.val_before_train": "false"}),  # no validation: accepted
                replaced(script_overrides(tmp_path, key_file), **on_cpu),  # the method's run: accepted
            ],
        }
        found, _ = run_script("run_reward_loop_manager.py", job)
        want = [expected(training, http), expected(sized, http)]
        http.close()
    refused = found["refused"]
    assert "val_kwargs.n=1" in refused[0] and "rollout.n=8" in refused[0] and "group_size_in_data" in refused[0]
    assert refused[1] is not None and refused[2] is None and refused[3] is None
    readme_run, sized_run = found["runs"]
    assert KEY not in readme_run["printed_config"]  # main_ppo prints the config: the key is only a file's path
    assert readme_run["workers"] == 2
    train_rewards, again = readme_run["batches"]
    assert train_rewards == want[0]
    assert again == want[0][:5]  # the same members: not new ones overfilling their groups
    assert len({r["uid"] for r in training}) == 3 and sorted(set(want[0])) != [0.0]
    assert sized_run["batches"] == [want[1]]  # groups of 4 and of 1 side by side

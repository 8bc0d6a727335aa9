"""Inside .venv-verl: the reward manager as verl 0.9.1's ``main_ppo`` loads and runs it. The config
is composed by hydra from verl's own ``ppo_trainer.yaml`` with the overrides a job gives (the
README's command, read by the test), checked by main_ppo's ``validate_config``; Ray starts with
main_ppo's runtime env; verl's ``RewardLoopManager`` builds its ``RewardLoopWorker`` actors, which
resolve the manager through ``reward.reward_manager`` (``pkg://`` included) and score batches
with ``compute_rm_score``. Reads a job (JSON) on stdin, prints the results (JSON) as the last line.

Job: ``runs`` (each: ``overrides`` for hydra, ``batches``: lists of rollouts with uid, session_id,
prompt, response, ground_truth, extra_info), ``refused`` (override lists: whether the manager, as
verl resolves it, refuses to be built, and why; those accepted must pass main_ppo's checks)."""

import json
import os
import sys

import numpy as np
import ray
import torch
import verl
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf
from tensordict import TensorDict
from transformers import AutoTokenizer
from verl import DataProto

CONFIG_DIR = os.path.join(os.path.dirname(verl.__file__), "trainer", "config")


def composed(overrides):
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base=None):
        return compose("ppo_trainer", overrides=overrides)


def batch_of(rollouts, tokenizer):
    """A DataProto as verl's agent loop hands one trajectory's output to a reward worker: prompts
    (left-padded), responses (right-padded), the mask over both, the row's non-tensor fields and
    the rollout's ``session_id`` (verl/experimental/agent_loop/agent_loop.py, ``_compute_score``)."""
    prompts = [tokenizer(r["prompt"], add_special_tokens=False).input_ids for r in rollouts]
    responses = [tokenizer(r["response"], add_special_tokens=False).input_ids for r in rollouts]
    prompt_width, response_width = max(map(len, prompts)), max(map(len, responses))
    pad = tokenizer.pad_token_id or 0
    prompt_ids = torch.tensor([[pad] * (prompt_width - len(p)) + p for p in prompts])
    response_ids = torch.tensor([r + [pad] * (response_width - len(r)) for r in responses])
    mask = torch.tensor(
        [
            [0] * (prompt_width - len(p)) + [1] * len(p) + [1] * len(r) + [0] * (response_width - len(r))
            for p, r in zip(prompts, responses, strict=True)
        ]
    )
    batch = TensorDict(
        {"prompts": prompt_ids, "responses": response_ids, "attention_mask": mask,
         "input_ids": torch.cat([prompt_ids, response_ids], dim=1)},
        batch_size=len(rollouts),
    )  # fmt: skip
    non_tensor = {
        "uid": np.array([r["uid"] for r in rollouts], dtype=object),
        "session_id": np.array([r["session_id"] for r in rollouts]),
        "data_source": np.array(["cub-200"] * len(rollouts), dtype=object),
        "reward_model": np.array([{"ground_truth": r["ground_truth"]} for r in rollouts], dtype=object),
        "extra_info": np.array([dict(r["extra_info"]) for r in rollouts], dtype=object),
    }
    return DataProto(batch=batch, non_tensor_batch=non_tensor)


def rewards_of(output):
    scores = output.batch["rm_scores"]
    return [float(row.sum()) for row in scores]


def main():
    from verl.experimental.reward_loop.reward_loop import RewardLoopManager
    from verl.trainer.constants_ppo import get_ppo_ray_runtime_env
    from verl.trainer.ppo.reward import resolve_reward_manager_cls
    from verl.trainer.ppo.utils import need_critic, need_reference_policy
    from verl.utils.config import validate_config

    job = json.loads(sys.stdin.read())
    tokenizer = AutoTokenizer.from_pretrained(job["tokenizer"])

    def checked(config):
        use_reference, use_critic = need_reference_policy(config), need_critic(config)
        try:
            validate_config(config=config, use_reference_policy=use_reference, use_critic=use_critic)
        except ValueError as exc:
            # Its last check, a LoRA rank for a vLLM rollout, imports vLLM (not installable on a CPU).
            if "vllm version None not supported" not in str(exc):
                raise

    result = {"refused": []}
    for overrides in job["refused"]:
        config = composed(overrides)
        manager_cls = resolve_reward_manager_cls(config)
        try:
            manager_cls(config=config, tokenizer=tokenizer, compute_score=None)
        except ValueError as exc:
            result["refused"].append(str(exc))
        else:
            checked(config)  # accepted: main_ppo's own checks pass too
            result["refused"].append(None)

    result["runs"] = []
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             runtime_env=get_ppo_ray_runtime_env(composed(job["runs"][0]["overrides"])))  # fmt: skip
    try:
        for run in job["runs"]:
            config = composed(run["overrides"])
            checked(config)
            manager = RewardLoopManager(config=config, rm_resource_pool=None)
            result["runs"].append({
                "printed_config": json.dumps(OmegaConf.to_container(config, resolve=True)),  # what main_ppo prints
                "workers": len(manager.reward_loop_worker_handles),
                "batches": [rewards_of(manager.compute_rm_score(batch_of(b, tokenizer))) for b in run["batches"]],
            })  # fmt: skip
            for worker in manager.reward_loop_workers:  # their names are free for the next run's
                ray.kill(worker)
    finally:
        ray.shutdown()
    print(json.dumps(result))


if __name__ == "__main__":
    main()

"""Inside .venv-verl: the trainer client's verl reward functions run by verl 0.9.1's own code, and
OpenRLHF 0.11.2's own reward request, against a verifier at ``job["url"]``. Reads a job (JSON) on
stdin, prints the rewards (JSON) as the last line."""

import asyncio
import json
import random
import sys
from functools import partial

import numpy as np
import torch
from omegaconf import OmegaConf
from tensordict import TensorDict
from transformers import AutoTokenizer
from verl import DataProto


def batch_of(job, tokenizer):
    """A DataProto as verl's agent loop builds it for the reward loop: prompts, right-padded
    responses, the attention mask over both, and the non-tensor fields of each sample."""
    rollouts = job["rollouts"]
    prompts = [tokenizer(r["prompt"], add_special_tokens=False).input_ids for r in rollouts]
    responses = [tokenizer(r["response"], add_special_tokens=False).input_ids for r in rollouts]
    prompt_width, response_width = max(map(len, prompts)), max(map(len, responses))
    pad = tokenizer.pad_token_id or 0
    prompt_ids = torch.tensor([[pad] * (prompt_width - len(p)) + p for p in prompts])  # left-padded, as verl
    response_ids = torch.tensor([r + [pad] * (response_width - len(r)) for r in responses])
    mask = torch.tensor(
        [
            [0] * (prompt_width - len(p)) + [1] * len(p) + [1] * len(r) + [0] * (response_width - len(r))
            for p, r in zip(prompts, responses, strict=True)
        ]
    )
    batch = TensorDict(
        {
            "prompts": prompt_ids,
            "responses": response_ids,
            "attention_mask": mask,
            "input_ids": torch.cat([prompt_ids, response_ids], dim=1),
        },
        batch_size=len(rollouts),
    )
    non_tensor = {
        "uid": np.array([r["uid"] for r in rollouts], dtype=object),
        "data_source": np.array([r["data_source"] for r in rollouts], dtype=object),
        "reward_model": np.array([{"ground_truth": r["ground_truth"]} for r in rollouts], dtype=object),
        "extra_info": np.array([dict(r["extra_info"]) for r in rollouts], dtype=object),
    }
    return DataProto(batch=batch, non_tensor_batch=non_tensor)


async def reward_loop(job, tokenizer, data):
    """verl's reward loop: one ``run_single`` per rollout (``RewardLoopWorker.compute_score_batch``
    slices the batch the same way), all at once, in shuffled order, the class from verl's registry."""
    from verl.experimental.reward_loop.reward_manager import get_reward_manager_cls

    import trainer_client.verl_reward_loop  # noqa: F401 (registers "speciarl")

    config = OmegaConf.create(
        {
            "actor_rollout_ref": {"rollout": {"n": job["n"], "val_kwargs": {"n": job["n"]}}},
            "reward": {"speciarl": {"verifier_url": job["url"], "wait_s": 60, "max_concurrency": 256}},
        }
    )
    manager = get_reward_manager_cls("speciarl")(config=config, tokenizer=tokenizer, compute_score=None)
    order = list(range(len(data)))
    random.Random(job["seed"]).shuffle(order)
    outputs = await asyncio.gather(*(manager.run_single(data[i : i + 1]) for i in order))
    found = dict(zip(order, outputs, strict=True))
    return [found[i]["reward_score"] for i in range(len(data))], [
        found[i]["reward_extra_info"] for i in range(len(data))
    ]


def batch_manager(job, tokenizer, data):
    """verl's batch reward manager with the method's drop-in ``compute_score_batch``."""
    from verl.workers.reward_manager import get_reward_manager_cls

    from trainer_client.verl_reward import compute_score_batch

    manager = get_reward_manager_cls("batch")(
        tokenizer=tokenizer, num_examine=0, compute_score=partial(compute_score_batch, verifier_url=job["url"])
    )
    scores = manager(data)
    tensor = scores if isinstance(scores, torch.Tensor) else scores["reward_tensor"]
    return [float(row[row.nonzero()].sum()) if row.any() else 0.0 for row in tensor]


async def openrlhf(job):
    """OpenRLHF's own reward request (openrlhf/utils/agent.py), one call per rollout, all at once."""
    from openrlhf.utils.agent import SingleTurnAgentExecutor

    executor = SingleTurnAgentExecutor(remote_rm_url=job["openrlhf_url"])
    calls = [executor._fetch_rewards_via_http([q["query"]], [q["prompt"]], [q["label"]]) for q in job["openrlhf"]]
    answers = await asyncio.gather(*calls)
    return [answer[0] for answer in answers]


def main():
    job = json.loads(sys.stdin.read())
    tokenizer = AutoTokenizer.from_pretrained(job["tokenizer"])
    data = batch_of(job, tokenizer)
    loop_rewards, loop_info = asyncio.run(reward_loop(job, tokenizer, data))
    result = {
        "reward_loop": loop_rewards,
        "reward_loop_info": loop_info,
        "batch": batch_manager(job, tokenizer, data),
        "openrlhf": asyncio.run(openrlhf(job)) if job.get("openrlhf") else None,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()

"""verl 0.9's reward loop, natively: a reward manager (registered as ``speciarl``) that scores one
rollout per ``run_single`` call, as soon as it is generated, through the service's group endpoint
(``POST /groups/rollouts``): the rollout's ``uid`` is its group, its ``session_id`` (its number
within the prompt) its member id, and the group's size ``extra_info.group_size`` where the data
gives one, else ``actor_rollout_ref.rollout.n`` (``verl_groups.py`` says why, and what is refused);
the service answers once the whole group has arrived, from any reward worker, process or node.

Written from verl 0.9.1's ``verl/experimental/reward_loop/reward_manager/naive.py`` (the same
inputs: the last sequence of the item, its valid response tokens decoded without special tokens,
``reward_model.ground_truth``) and ``base.py`` (``run_single`` returns ``{"reward_score",
"reward_extra_info"}``). Settings come from ``+reward.speciarl.<key>=...`` on verl's command line,
else from the environment (``VERIFIER_URL``, ``VERIFIER_API_KEY``): verifier_url, api_key_file (a
file on every node holding the key: main_ppo prints its whole config, and Ray's runtime_env, to
its logs, so a key belongs in neither), taxonomy, judge, scheme, wait_s, group_size_in_data,
max_concurrency (connections per reward worker: at least the rollouts it scores at once).

verl has no "no reward" value: a rollout whose reward is unknown (its group incomplete at the
deadline, or an ungraded sibling that might have been the best) raises ``UnscorableRewards``,
instead of training on a made-up 0. verl 0.9.1's V1 trainer logs the rollout as failed and trains
its group on the rollouts that had rewards (``verl/trainer/ppo/v1/replay_buffer.py``).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from verl import DataProto
from verl.experimental.reward_loop.reward_manager import register
from verl.experimental.reward_loop.reward_manager.base import RewardManagerBase

from trainer_client.client import VerifierClient
from trainer_client.verl_groups import check_group_sizes, group_size, member_id
from trainer_client.verl_reward import UnscorableRewards, resolve_verifier_url

log = logging.getLogger(__name__)


def _settings(config: Any) -> dict[str, Any]:
    reward = config.get("reward") if hasattr(config, "get") else None
    found = reward.get("speciarl") if reward is not None and hasattr(reward, "get") else None
    return dict(found or {})


def _api_key(settings: dict[str, Any]) -> str | None:
    """From a file every node has (a mounted secret), else ``VERIFIER_API_KEY`` in the node's
    environment; a key written into verl's config works, but main_ppo prints it to its logs."""
    if settings.get("api_key_file"):
        path = Path(str(settings["api_key_file"]))
        try:
            key = path.read_text().strip()
        except OSError as exc:
            raise ValueError(f"reward.speciarl.api_key_file {path}: {exc.strerror}") from None
        if not key:
            raise ValueError(f"reward.speciarl.api_key_file {path} is empty")
        return key
    if settings.get("api_key"):
        log.warning("reward.speciarl.api_key is in verl's config, which main_ppo prints: use api_key_file")
        return str(settings["api_key"])
    return os.environ.get("VERIFIER_API_KEY")


@register("speciarl")
class SpeciaRLRewardManager(RewardManagerBase):
    """Best-of-rollout rewards, one rollout at a time."""

    def __init__(self, config, tokenizer, compute_score=None, reward_router_address=None, reward_model_tokenizer=None):
        super().__init__(config, tokenizer, compute_score)
        settings = _settings(config)
        self.group_size = int(config.actor_rollout_ref.rollout.n)
        self.sizes_in_data = bool(settings.get("group_size_in_data", False))
        check_group_sizes(config, sizes_in_data=self.sizes_in_data)
        self.options = {
            "taxonomy": settings.get("taxonomy"),
            "judge": settings.get("judge"),
            "scheme": settings.get("scheme", "dynamic"),
            "mode": settings.get("mode", "all"),
            "wait_s": float(settings.get("wait_s", 300.0)),
        }
        if self.options["mode"] != "all":
            raise ValueError("verl numbers no rollout within its group: only mode 'all' can be computed one at a time")
        self.client = VerifierClient(
            resolve_verifier_url(settings.get("verifier_url")),
            api_key=_api_key(settings),
            retry_for=float(settings.get("retry_for", 300.0)),
            timeout=self.options["wait_s"] + 60.0,
            # Every call waits for its whole group: the pool must hold a group's rollouts at once, or
            # the calls holding connections wait for siblings that cannot be sent.
            max_concurrency=int(settings.get("max_concurrency", 4096)),
        )

    async def run_single(self, data: DataProto) -> dict:
        data_item = data[-1:][0]  # for multi-sequence outputs, the last sequence (as naive.py)
        response_ids = data_item.batch["responses"]
        valid_length = data_item.batch["attention_mask"][-response_ids.shape[-1] :].sum()
        response = await self.loop.run_in_executor(
            None, lambda: self.tokenizer.decode(response_ids[:valid_length], skip_special_tokens=True)
        )
        fields = data_item.non_tensor_batch
        extra_info = fields.get("extra_info") or {}
        uid = str(fields["uid"])
        rollout = {
            "group": uid,
            "group_size": group_size(extra_info, self.group_size, required=self.sizes_in_data, uid=uid),
            "rollout": member_id(fields),  # the same on every retry of this call
            "ground_truth": str(fields["reward_model"]["ground_truth"]),
            "completion": response,
        }
        if extra_info.get("taxonomy"):
            rollout["taxonomy"] = extra_info["taxonomy"]
        answer = (await self.client.group_rollouts([rollout], **self.options))[0]
        if answer["reward"] is None:
            raise UnscorableRewards(
                f"no reward for a rollout of group {rollout['group']}: {answer['status']}: {answer['error']}"
            )
        return {
            "reward_score": float(answer["reward"]),
            "reward_extra_info": {"category": answer["category"], "group_best": answer["group_best"]},
        }

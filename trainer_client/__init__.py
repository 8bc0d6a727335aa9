"""The trainer side: best-of-rollout rewards from verifier grades for TRL's GRPOTrainer."""

from trainer_client.client import GradeResult, VerifierClient, VerifierError, VerifierRequestError, VerifierUnavailable
from trainer_client.rewards import best_of_rollout_rewards, inject_noise, static_rewards
from trainer_client.sync_client import SyncVerifierClient
from trainer_client.trl_reward import GroupSplitError, SpecificityReward, check_grpo_config

__all__ = [
    "GradeResult",
    "GroupSplitError",
    "SpecificityReward",
    "SyncVerifierClient",
    "VerifierClient",
    "VerifierError",
    "VerifierRequestError",
    "VerifierUnavailable",
    "best_of_rollout_rewards",
    "check_grpo_config",
    "inject_noise",
    "static_rewards",
]

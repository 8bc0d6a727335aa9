"""The trainer side's real client and reward, keeping what they saw (for GRPO tests)."""

from __future__ import annotations

from trainer_client.client import VerifierClient
from trainer_client.trl_reward import SpecificityReward


class RecordingClient(VerifierClient):
    """The real client, keeping what the service answered: ``answers`` holds (pairs, grades) per call."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.answers = []

    async def grade(self, pairs, **kwargs):
        grades = await super().grade(pairs, **kwargs)
        self.answers.append((list(pairs), grades))
        return grades


class RecordingReward(SpecificityReward):
    """The real reward, keeping each call's prompts, completions, dataset columns and rewards."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.calls = []

    async def __call__(self, prompts, completions, **kwargs):
        rewards = await super().__call__(prompts, completions, **kwargs)
        self.calls.append({"prompts": prompts, "completions": completions, "columns": kwargs, "rewards": rewards})
        return rewards

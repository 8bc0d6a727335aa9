"""Where a GRPO step's time goes, measured inside TRL's own ``GRPOTrainer`` (1.16).

TRL generates a step's rollouts, then calls the reward functions on the whole batch, then
computes the old/reference log-probabilities, then runs the optimisation passes
(``GRPOTrainer._generate_and_score_completions`` calls ``_generate`` and
``_calculate_rewards``; ``training_step`` runs the loss). ``StepTimer`` wraps those methods on
one trainer instance (nothing in TRL is changed) and splits each optimizer step into:

- generation: ``_generate`` (the rollouts);
- reward: the reward function's own calls (the verifier round trip, grading included);
- scoring: the rest of ``_generate_and_score_completions`` (log-probabilities for the loss);
- update: the rest of the step (forward, backward and optimizer over the micro-batches).

On a GPU every boundary synchronises the device first, so that queued kernels are counted in
the phase that launched them.
"""

from __future__ import annotations

import functools
import statistics
import time
from collections import defaultdict
from typing import Any

from transformers import TrainerCallback

PHASES = ("generation", "reward", "scoring", "update")


def _synchronise() -> None:
    import torch

    if torch.cuda.is_available():
        torch.cuda.synchronize()


class StepTimer(TrainerCallback):
    """``StepTimer.attach(trainer, reward)``; after training, ``steps`` holds one dict per step."""

    def __init__(self) -> None:
        self.steps: list[dict[str, float]] = []
        self._current: dict[str, float] = defaultdict(float)
        self._started = 0.0

    @classmethod
    def attach(cls, trainer: Any, reward: Any) -> StepTimer:
        timer = cls()
        trainer._generate = timer._timed(trainer._generate, "generation")
        trainer._generate_and_score_completions = timer._timed(
            trainer._generate_and_score_completions, "generate_and_score"
        )
        reward_call = type(reward).__call__

        @functools.wraps(reward_call)
        async def timed_reward(self_: Any, *args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return await reward_call(self_, *args, **kwargs)
            finally:
                timer._current["reward"] += time.perf_counter() - started

        reward.__class__ = type(f"Timed{type(reward).__name__}", (type(reward),), {"__call__": timed_reward})
        trainer.add_callback(timer)
        return timer

    def _timed(self, method: Any, phase: str) -> Any:
        @functools.wraps(method)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            _synchronise()
            started = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                _synchronise()
                self._current[phase] += time.perf_counter() - started

        return wrapper

    # ---- TrainerCallback ---------------------------------------------------------------
    def on_step_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        _synchronise()
        self._current = defaultdict(float)
        self._started = time.perf_counter()

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        _synchronise()
        total = time.perf_counter() - self._started
        c = self._current
        self.steps.append(
            {
                "total": total,
                "generation": c["generation"],
                "reward": c["reward"],
                "scoring": max(c["generate_and_score"] - c["generation"] - c["reward"], 0.0),
                "update": max(total - c["generate_and_score"], 0.0),
            }
        )

    # ---- report ------------------------------------------------------------------------
    def summary(self, skip_first: int = 1) -> dict[str, float]:
        """Median seconds per phase over the steps after the first ``skip_first`` (warm-up)."""
        steps = self.steps[skip_first:] or self.steps
        return {key: statistics.median(step[key] for step in steps) for key in ("total", *PHASES)}

    @staticmethod
    def format(name: str, summary: dict[str, float]) -> str:
        total = summary["total"]
        parts = "  ".join(f"{p} {summary[p]:7.3f}s ({100 * summary[p] / total:4.1f}%)" for p in PHASES)
        return f"{name:38} step {total:7.3f}s  {parts}"

"""The reward function for TRL's ``GRPOTrainer``.

TRL calls an ``async`` reward function with ``prompts``, ``completions``,
``completion_ids``, every dataset column as a keyword list, ``trainer_state`` and
``log_metric``, and expects one reward per completion (``None`` = unscorable: TRL leaves
it out of the group's mean and std). The ``num_generations`` completions of one prompt
arrive consecutively; see ``GRPOTrainer._calculate_rewards`` and ``RepeatSampler`` in TRL.

A group can only be judged whole: the best-of-rollout reward depends on every rollout of
the group. TRL gives each process a slice of the generation batch, so when the
per-process slice is not a multiple of ``num_generations`` a group is split across
processes. This adapter refuses that with a clear error (see ``check_grpo_config``) rather
than computing a "best" from half a group.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any, Literal

from trainer_client.client import VerifierClient
from trainer_client.extraction import completion_text, extract_answer
from trainer_client.protocol import ERROR, UNPARSEABLE
from trainer_client.rewards import STATIC_SCHEMES, best_of_rollout_rewards, inject_noise, static_rewards

Scheme = Literal["best_of_rollout", "reward3", "scala1", "scala2", "scala3"]


class GroupSplitError(ValueError):
    """The rollouts of one prompt are not all in this process's batch."""


def check_grpo_config(
    *,
    per_device_train_batch_size: int,
    steps_per_generation: int | None,
    gradient_accumulation_steps: int,
    num_generations: int,
) -> None:
    """Refuse a GRPO configuration whose per-process generation batch splits groups."""
    steps = steps_per_generation or gradient_accumulation_steps
    local = per_device_train_batch_size * steps
    if local % num_generations:
        raise GroupSplitError(
            f"each process generates {local} completions per step (per_device_train_batch_size "
            f"{per_device_train_batch_size} x steps_per_generation {steps}), which is not a multiple of "
            f"num_generations {num_generations}: groups would be split across processes and the best-of-rollout "
            f"reward cannot see a whole group. Make it a multiple of {num_generations}."
        )


class SpecificityReward:
    """``GRPOTrainer(reward_funcs=[SpecificityReward(client, num_generations=G)])``.

    Args:
        client: a ``VerifierClient`` (or a base URL, for which one is created).
        num_generations: TRL's ``num_generations`` (G); with ``num_generations_eval`` when it differs.
        ground_truth_column: the dataset column holding the label.
        group_column: a dataset column identifying the sample (e.g. ``sample_id``); every block of
            G consecutive completions must carry one value. ``None``: blocks are checked by prompt.
        scheme: ``best_of_rollout`` (the method) or a static baseline (``reward3``, ``scala1-3``).
        mode: ``all`` or ``single`` for ``best_of_rollout``.
        noise: ``(fraction, seed)`` to perturb graded categories (ablation); the seed is mixed
            with the global step so every step draws differently but reproducibly.
        taxonomy / judge: passed to the service with every request.
        taxonomy_column: a dataset column naming each sample's taxonomy (mixed-domain training).
        max_answer_chars: answers are cut to this length before grading, so that a rambling
            rollout never makes the whole request invalid (the service's ``max_label_chars``);
            an answer that long is a sentence, which the service's rules grade wrong anyway.
    """

    def __init__(
        self,
        client: VerifierClient | str,
        *,
        num_generations: int,
        num_generations_eval: int | None = None,
        ground_truth_column: str = "ground_truth",
        group_column: str | None = "sample_id",
        scheme: Scheme = "best_of_rollout",
        mode: Literal["all", "single"] = "all",
        noise: tuple[float, int] | None = None,
        taxonomy: str | None = None,
        taxonomy_column: str | None = None,
        judge: str | None = None,
        run: str | None = None,
        max_answer_chars: int = 400,
    ) -> None:
        if scheme != "best_of_rollout" and scheme not in STATIC_SCHEMES:
            raise ValueError(f"unknown scheme {scheme!r}")
        if num_generations < 1:
            raise ValueError("num_generations must be at least 1")
        self.client = VerifierClient(client) if isinstance(client, str) else client
        self.group_sizes = {num_generations, num_generations_eval or num_generations}
        self.ground_truth_column = ground_truth_column
        self.group_column = group_column
        self.scheme = scheme
        self.mode = mode
        self.noise = noise
        self.taxonomy = taxonomy
        self.taxonomy_column = taxonomy_column
        self.max_answer_chars = max_answer_chars
        self.judge = judge
        self.run = run
        self.__name__ = f"specificity_{scheme}"  # TRL names reward columns and logs after it
        self.last_categories: list[str] = []  # of the latest call, for inspection and tests
        self.last_rewards: list[float | None] = []

    def group_ids(self, prompts: Sequence[Any], columns: dict[str, list[Any]]) -> list[int]:
        """Group index of each completion, after checking that the batch holds whole groups.

        Consecutive completions with the same key (``group_column``, else the prompt) form runs;
        every run must be a whole number of groups of one of the expected sizes.
        """
        if self.group_column:
            keys = columns.get(self.group_column)
            if keys is None:
                raise KeyError(f"dataset column {self.group_column!r} (group_column) is missing from the batch")
        else:
            keys = [repr(p) for p in prompts]
        runs: list[int] = []
        for i, key in enumerate(keys):
            if i and key == keys[i - 1]:
                runs[-1] += 1
            else:
                runs.append(1)
        for size in sorted(self.group_sizes, reverse=True):
            if all(run % size == 0 for run in runs):
                return [i // size for i in range(len(keys))]
        raise GroupSplitError(
            f"this process received runs of {runs} consecutive completions per sample, not whole groups of "
            f"{sorted(self.group_sizes)}: TRL split a group across processes. "
            "Make per_device_train_batch_size x steps_per_generation a multiple of num_generations."
        )

    async def __call__(
        self,
        prompts: list[Any],
        completions: list[Any],
        completion_ids: list[Any] | None = None,
        trainer_state: Any = None,
        log_metric: Callable[[str, float], None] | None = None,
        **columns: Any,
    ) -> list[float | None]:
        if self.ground_truth_column not in columns:
            raise KeyError(f"dataset column {self.ground_truth_column!r} (ground_truth_column) is missing")
        truths = columns[self.ground_truth_column]
        groups = self.group_ids(prompts, columns)
        answers = [extract_answer(completion_text(c)) for c in completions]
        answers = [a[: self.max_answer_chars] if a is not None else None for a in answers]

        to_grade = [i for i, a in enumerate(answers) if a is not None]
        item_taxonomies = None
        if self.taxonomy_column is not None:
            if self.taxonomy_column not in columns:
                raise KeyError(f"dataset column {self.taxonomy_column!r} (taxonomy_column) is missing")
            item_taxonomies = [columns[self.taxonomy_column][i] for i in to_grade]
        grades = await self.client.grade(
            [(str(truths[i]), answers[i]) for i in to_grade],
            taxonomy=self.taxonomy,
            item_taxonomies=item_taxonomies,
            judge=self.judge,
            run=self.run,
        )
        categories = [UNPARSEABLE] * len(completions)
        sources: Counter[str] = Counter()
        for i, grade in zip(to_grade, grades, strict=True):
            categories[i] = grade.category if grade.ok else ERROR
            sources[grade.source or grade.status] += 1

        if self.noise is not None:
            fraction, seed = self.noise
            step = getattr(trainer_state, "global_step", 0) or 0
            categories = inject_noise(categories, fraction, seed * 1_000_003 + step)
        if self.scheme == "best_of_rollout":
            rewards = best_of_rollout_rewards(categories, groups, self.mode)
        else:
            rewards = static_rewards(categories, self.scheme)

        self.last_categories, self.last_rewards = categories, rewards
        if log_metric is not None:
            _log_counts(log_metric, categories, sources)
        return rewards


def _log_counts(log_metric: Callable[[str, float], None], categories: list[str], sources: Counter[str]) -> None:
    total = len(categories)
    for category, count in Counter(categories).items():
        log_metric(f"verifier/category/{category}", count / total)
    graded = sum(sources.values())
    for source, count in sources.items():
        log_metric(f"verifier/source/{source}", count / graded)

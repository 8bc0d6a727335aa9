"""The reward function for TRL's ``GRPOTrainer``.

TRL calls an ``async`` reward function with ``prompts``, ``completions``,
``completion_ids``, every dataset column as a keyword list, ``trainer_state``, ``log_metric``
and ``log_extra``, and expects one reward per completion (``None`` = unscorable: TRL turns it
into NaN and leaves it out of the group's mean and std). The ``num_generations`` completions
of one prompt arrive consecutively; see ``GRPOTrainer._calculate_rewards`` and
``RepeatSampler`` in TRL (1.16: ``trl/trainer/grpo_trainer.py``).

A group can only be judged whole: the best-of-rollout reward depends on every rollout of
the group. TRL gives each process a slice of the generation batch, so when the
per-process slice is not a multiple of ``num_generations`` a group is split across
processes. This adapter refuses that with a clear error (see ``check_grpo_config``) rather
than computing a "best" from half a group.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal

from trainer_client.client import VerifierClient, VerifierUnavailable
from trainer_client.extraction import completion_text, extract_answer
from trainer_client.protocol import ERROR, UNPARSEABLE
from trainer_client.rewards import (
    STATIC_SCHEMES,
    UNPARSEABLE_REWARD,
    best_of_rollout_rewards,
    inject_noise,
    static_rewards,
    unknown_groups,
)

log = logging.getLogger(__name__)

Scheme = Literal["best_of_rollout", "reward3", "scala1", "scala2", "scala3"]
OnUnavailable = Literal["raise", "skip"]


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
        num_generations: TRL's ``num_generations`` (G).
        num_generations_eval: TRL's ``num_generations_eval`` when it differs; then the reward
            needs to know whether the trainer is training or evaluating: ``bind_trainer(trainer)``
            (``trainer_client.train.build_trainer`` does it).
        ground_truth_column: the dataset column with the label.
        group_column: a dataset column identifying the sample (e.g. ``sample_id``); every block of
            G consecutive completions must carry one value. ``None``: the sample is recognised by
            its prompt and its image (the prompt's text and a digest of every image's pixels, in
            the prompt or in an ``image`` / ``images`` column), never by object identity.
        scheme: ``best_of_rollout`` (the method) or a static baseline (``reward3``, ``scala1-3``).
        mode: ``all`` or ``single`` for ``best_of_rollout``.
        noise: ``(probability, seed)``: the method's noise ablation (``rewards.inject_noise``); the
            seed is mixed with the global step so every step draws differently but reproducibly.
        taxonomy / judge: passed to the service with every request.
        taxonomy_column: a dataset column naming each sample's taxonomy (mixed-domain training).
        max_answer_chars: answers are cut to this length before grading (the service grades an
            over-long answer ``wrong`` anyway; this keeps requests small).
        lenient_extraction: read ``<answer>`` tags loosely (``extraction.extract_answer``); off by
            default, as in the method.
        on_unavailable: when the service cannot be reached for the client's whole retry budget:
            ``raise`` (default: training stops with ``VerifierUnavailable``) or ``skip`` (every
            parsed rollout of the batch gets ``None``, unparseable ones keep -1; logged as an
            error and counted in ``unavailable_batches`` and the ``verifier/unavailable`` metric).
        rollouts_path: a JSONL file to append every rollout to (step, mode, sample_id, dataset,
            ground_truth, completion, category, reward): the run's predictions, for
            ``trainer-client evaluate``.
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
        lenient_extraction: bool = False,
        on_unavailable: OnUnavailable = "raise",
        rollouts_path: Path | None = None,
    ) -> None:
        if scheme != "best_of_rollout" and scheme not in STATIC_SCHEMES:
            raise ValueError(f"unknown scheme {scheme!r}")
        if num_generations < 1 or (num_generations_eval is not None and num_generations_eval < 1):
            raise ValueError("num_generations (and num_generations_eval) must be at least 1")
        if on_unavailable not in ("raise", "skip"):
            raise ValueError(f"on_unavailable must be 'raise' or 'skip', not {on_unavailable!r}")
        self.client = VerifierClient(client) if isinstance(client, str) else client
        self.num_generations = num_generations
        self.num_generations_eval = num_generations_eval or num_generations
        self.ground_truth_column = ground_truth_column
        self.group_column = group_column
        self.scheme = scheme
        self.mode = mode
        self.noise = noise
        self.taxonomy = taxonomy
        self.taxonomy_column = taxonomy_column
        self.max_answer_chars = max_answer_chars
        self.lenient_extraction = lenient_extraction
        self.on_unavailable = on_unavailable
        self.judge = judge
        self.run = run
        self.rollouts_path = rollouts_path
        self._trainer: Any = None
        self.__name__ = f"specificity_{scheme}"  # TRL names reward columns and logs after it
        self.last_categories: list[str] = []  # of the latest call, for inspection and tests
        self.last_rewards: list[float | None] = []
        self.unknown_groups = 0  # groups left without rewards because a rollout could not be graded
        self.unavailable_batches = 0  # batches skipped because the service was unreachable

    def bind_trainer(self, trainer: Any) -> SpecificityReward:
        """Let the reward tell training from evaluation (``trainer.model.training``, as TRL does)."""
        self._trainer = trainer
        return self

    def group_size(self) -> int:
        """G for the trainer's current mode: ``num_generations`` in training, ``num_generations_eval`` in eval."""
        if self.num_generations_eval == self.num_generations:
            return self.num_generations
        if self._trainer is None:
            raise RuntimeError(
                f"num_generations ({self.num_generations}) and num_generations_eval ({self.num_generations_eval}) "
                "differ: call reward.bind_trainer(trainer) so the reward knows which one applies"
            )
        return self.num_generations if self._trainer.model.training else self.num_generations_eval

    def group_ids(self, prompts: Sequence[Any], columns: dict[str, list[Any]]) -> list[int]:
        """Group index of each completion, after checking that the batch holds whole groups.

        Consecutive completions with the same sample key form runs; every run must be a whole
        number of groups of the current size (a run of 2G is two samples with equal keys).
        """
        if self.group_column:
            keys = columns.get(self.group_column)
            if keys is None:
                raise KeyError(f"dataset column {self.group_column!r} (group_column) is missing from the batch")
        else:
            keys = [sample_key(prompt, index, columns) for index, prompt in enumerate(prompts)]
        runs: list[int] = []
        for i, key in enumerate(keys):
            if i and key == keys[i - 1]:
                runs[-1] += 1
            else:
                runs.append(1)
        size = self.group_size()
        if any(run % size for run in runs):
            raise GroupSplitError(
                f"this process received runs of {runs} consecutive completions per sample, not whole groups of "
                f"{size}: TRL split a group across processes. "
                "Make per_device_train_batch_size x steps_per_generation a multiple of num_generations."
            )
        return [i // size for i in range(len(keys))]

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
        answers = [extract_answer(completion_text(c), lenient=self.lenient_extraction) for c in completions]
        answers = [a[: self.max_answer_chars] if a is not None else None for a in answers]

        to_grade = [i for i, a in enumerate(answers) if a is not None]
        item_taxonomies = None
        if self.taxonomy_column is not None:
            if self.taxonomy_column not in columns:
                raise KeyError(f"dataset column {self.taxonomy_column!r} (taxonomy_column) is missing")
            item_taxonomies = [columns[self.taxonomy_column][i] for i in to_grade]
        try:
            grades = await self.client.grade(
                [(str(truths[i]), answers[i]) for i in to_grade],
                taxonomy=self.taxonomy,
                item_taxonomies=item_taxonomies,
                judge=self.judge,
                run=self.run,
            )
        except VerifierUnavailable as exc:
            if self.on_unavailable == "raise":
                raise
            return self._skip(answers, exc, log_metric)
        categories = [UNPARSEABLE] * len(completions)
        graded_by: list[str | None] = [None] * len(completions)  # which tier: "human" for a person's correction
        sources: Counter[str] = Counter()
        for i, grade in zip(to_grade, grades, strict=True):
            categories[i] = grade.category if grade.ok else ERROR
            graded_by[i] = grade.source or grade.status
            sources[grade.source or grade.status] += 1

        if self.noise is not None:
            probability, seed = self.noise
            step = getattr(trainer_state, "global_step", 0) or 0
            categories = inject_noise(categories, probability, seed * 1_000_003 + step)
        if self.scheme == "best_of_rollout":
            rewards = best_of_rollout_rewards(categories, groups, self.mode)
            unknown = unknown_groups(categories, groups, self.mode)
            if unknown:
                self.unknown_groups += unknown
                log.warning(
                    "%d of %d groups have an ungraded rollout and no reward this step", unknown, len(set(groups))
                )
            if log_metric is not None:
                log_metric("verifier/unknown_groups", unknown / max(len(set(groups)), 1))
        else:
            rewards = static_rewards(categories, self.scheme)

        self.last_categories, self.last_rewards = categories, rewards
        if log_metric is not None:
            _log_counts(log_metric, categories, sources)
        self._record(completions, categories, rewards, trainer_state, columns, graded_by)
        return rewards

    def _record(
        self,
        completions: list[Any],
        categories: list[str],
        rewards: list[float | None],
        trainer_state: Any,
        columns: dict[str, list[Any]],
        graded_by: list[str | None],
    ) -> None:
        if self.rollouts_path is None:
            return
        step = getattr(trainer_state, "global_step", None)
        mode = None if self._trainer is None else ("train" if self._trainer.model.training else "eval")
        self.rollouts_path.parent.mkdir(parents=True, exist_ok=True)
        with self.rollouts_path.open("a", encoding="utf-8") as fh:
            for i, completion in enumerate(completions):
                row = {
                    "step": step,
                    "mode": mode,
                    "sample_id": _column(columns, self.group_column, i),
                    "dataset": _column(columns, "dataset", i),
                    "ground_truth": str(columns[self.ground_truth_column][i]),
                    "completion": completion_text(completion),
                    "category": categories[i],
                    "source": graded_by[i],
                    "reward": rewards[i],
                }
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")

    def _skip(
        self, answers: list[str | None], exc: Exception, log_metric: Callable[[str, float], None] | None
    ) -> list[float | None]:
        """``on_unavailable="skip"``: no reward for any parsed rollout, -1 still for unparseable ones."""
        self.unavailable_batches += 1
        parsed = sum(a is not None for a in answers)
        log.error(
            "verifier unavailable: %d rollouts of this batch get no reward (on_unavailable='skip'; "
            "%d batches skipped so far): %s",
            parsed,
            self.unavailable_batches,
            exc,
        )
        if log_metric is not None:
            log_metric("verifier/unavailable", 1.0)
        self.last_categories = [UNPARSEABLE if a is None else ERROR for a in answers]
        self.last_rewards = [UNPARSEABLE_REWARD if a is None else None for a in answers]
        return self.last_rewards


def _column(columns: dict[str, list[Any]], name: str | None, index: int) -> Any:
    values = columns.get(name) if name else None
    return None if values is None else values[index]


def sample_key(prompt: Any, index: int, columns: dict[str, list[Any]]) -> str:
    """A stable identity of one sample: its prompt and its images, by content.

    ``repr`` would not do: a PIL image's repr holds its memory address, and the method's prompt
    text is the same for every sample (only the image differs).
    """
    digest = hashlib.sha256()
    _feed(digest, prompt)
    for name in ("image", "images"):
        if name in columns:
            _feed(digest, columns[name][index])
    return digest.hexdigest()


def _feed(digest: Any, value: Any) -> None:
    if isinstance(value, str):
        digest.update(b"s" + value.encode("utf-8", "surrogatepass") + b"\0")
    elif isinstance(value, bytes):
        digest.update(b"b" + value + b"\0")
    elif isinstance(value, dict):
        digest.update(b"{")
        for key in sorted(value, key=str):
            _feed(digest, str(key))
            _feed(digest, value[key])
        digest.update(b"}")
    elif isinstance(value, (list, tuple)):
        digest.update(b"[")
        for item in value:
            _feed(digest, item)
        digest.update(b"]")
    elif value is None or isinstance(value, (bool, int, float)):
        digest.update(repr(value).encode() + b"\0")
    elif hasattr(value, "tobytes") and hasattr(value, "size") and hasattr(value, "mode"):  # a PIL image
        digest.update(f"image:{value.mode}:{value.size}".encode())
        digest.update(value.tobytes())
    else:
        raise TypeError(
            f"cannot identify a sample by a {type(value).__name__} in its prompt; set group_column to a "
            "dataset column that names the sample"
        )


def _log_counts(log_metric: Callable[[str, float], None], categories: list[str], sources: Counter[str]) -> None:
    total = len(categories)
    for category, count in Counter(categories).items():
        log_metric(f"verifier/category/{category}", count / total)
    graded = sum(sources.values())
    for source, count in sources.items():
        log_metric(f"verifier/source/{source}", count / graded)

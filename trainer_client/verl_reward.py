"""verl, natively (verl 0.9): the method's batch reward function, a drop-in for its own
``compute_score_batch``. The reward-loop manager, which scores one rollout at a time, is in
``verl_reward_loop.py`` (it imports verl).

verl's batch reward manager (``verl/workers/reward_manager/batch.py``) calls
``compute_score(data_sources=..., solution_strs=..., ground_truths=..., extra_infos=..., **reward_kwargs)``
once per training batch, with the ``custom_reward_function.reward_kwargs`` of the config, and
writes each returned float at the last response token. A sample's group is the method's own
identity: a SHA-256 of ``f"{data_source}|{index_orig}|{source_split}|{source_index}"`` from
``extra_info`` (shared/METHOD.md). verl has no "no reward" value: where a reward is unknown
(the verifier could not grade a rollout that might have been its group's best) this raises
``UnscorableRewards`` instead of returning a made-up 0, and verl stops the step with it.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping, Sequence
from typing import Any

from trainer_client.extraction import extract_answer
from trainer_client.protocol import ERROR, UNPARSEABLE
from trainer_client.rewards import best_of_rollout_rewards, static_rewards
from trainer_client.sync_client import SyncVerifierClient


class UnscorableRewards(RuntimeError):
    """Some rewards of the batch are unknown: the verifier could not grade rollouts that matter."""


def method_group(data_source: Any, extra_info: Mapping[str, Any] | None) -> str:
    """The method's sample identity (its ``compute_score_batch``), from ``extra_info`` with its defaults."""
    info = extra_info or {}
    key = f"{data_source}|{info.get('index_orig', 0)}|{info.get('source_split', '')}|{info.get('source_index', 0)}"
    return hashlib.sha256(key.encode()).hexdigest()


def resolve_verifier_url(given: str | None) -> str:
    url = given or os.environ.get("VERIFIER_URL")
    if not url:
        raise ValueError("set the verifier's URL: reward_kwargs.verifier_url, or the VERIFIER_URL environment variable")
    return url


def compute_score_batch(
    data_sources: Sequence[Any],
    solution_strs: Sequence[str],
    ground_truths: Sequence[str],
    extra_infos: Sequence[Mapping[str, Any] | None],
    *,
    verifier_url: str | None = None,
    taxonomy: str | None = None,
    judge: str | None = None,
    scheme: str = "dynamic",
    mode: str = "all",
    retry_for: float = 300.0,
    api_key: str | None = None,
    **_: Any,
) -> list[float]:
    """One reward per rollout: best-of-rollout within each sample's group (``scheme="dynamic"``), or a
    static baseline. An item's ``extra_info["taxonomy"]`` overrides ``taxonomy``."""
    size = len(solution_strs)
    if not len(data_sources) == len(ground_truths) == len(extra_infos) == size:
        raise ValueError("data_sources, solution_strs, ground_truths and extra_infos must have one entry per rollout")
    answers = [extract_answer(text) for text in solution_strs]
    categories = [UNPARSEABLE] * size
    todo = [i for i, answer in enumerate(answers) if answer is not None]
    errors: list[str] = []
    if todo:
        with SyncVerifierClient(resolve_verifier_url(verifier_url), retry_for=retry_for, api_key=api_key) as client:
            grades = client.grade(
                [(str(ground_truths[i]), answers[i]) for i in todo],
                taxonomy=taxonomy,
                item_taxonomies=[(extra_infos[i] or {}).get("taxonomy") for i in todo],
                judge=judge,
                run="verl",
            )
        for i, grade in zip(todo, grades, strict=True):
            categories[i] = grade.category if grade.ok else ERROR
            if not grade.ok:
                errors.append(f"{grade.status}: {grade.error}")
    if scheme == "dynamic":
        groups = [method_group(source, info) for source, info in zip(data_sources, extra_infos, strict=True)]
        rewards = best_of_rollout_rewards(categories, groups, mode)  # type: ignore[arg-type]
    else:
        rewards = static_rewards(categories, scheme)
    unknown = sum(reward is None for reward in rewards)
    if unknown:
        raise UnscorableRewards(
            f"{unknown} of {size} rewards are unknown: the verifier could not grade {len(errors)} rollouts "
            f"(first: {errors[0] if errors else 'n/a'}); no reward is made up"
        )
    return [float(reward) for reward in rewards]  # type: ignore[arg-type]

"""Reward rules of the method, pure and exact (see shared/METHOD.md).

Every function takes one category string per rollout: one of the six categories,
``"unparseable"`` (the completion had no usable ``<answer>``) or ``"error"`` (the verifier
could not grade it). It returns one reward per rollout: a float, or ``None`` for an
unscorable rollout, which TRL's ``GRPOTrainer`` leaves out of the group's statistics
(it is never silently counted as a reward of 0).
"""

from __future__ import annotations

import random
from collections.abc import Hashable, Mapping, Sequence
from typing import Literal

from trainer_client.protocol import (
    ABSTAIN,
    ERROR,
    GENERIC,
    KNOWN,
    LESS_SPECIFIC,
    MORE_SPECIFIC,
    SPECIFIC,
    UNPARSEABLE,
    WRONG,
)
from trainer_client.ranks import NOISE_LADDER, TRAINING_RANK

GRADED = (MORE_SPECIFIC, SPECIFIC, LESS_SPECIFIC, GENERIC, ABSTAIN, WRONG)
UNPARSEABLE_REWARD = -1.0

Mode = Literal["all", "single"]


def _check(categories: Sequence[str]) -> None:
    unknown = sorted({c for c in categories if c not in KNOWN})
    if unknown:
        raise ValueError(f"unknown categories {unknown}; expected one of {sorted(KNOWN)}")


def best_of_rollout_rewards(
    categories: Sequence[str], group_ids: Sequence[Hashable], mode: Mode = "all"
) -> list[float | None]:
    """The method's dynamic reward, anchored to the best category reached within each group.

    - ``unparseable`` -> -1; ``error`` -> ``None`` (and it does not take part in its group);
    - if the best rank among the group's graded rollouts is ``wrong``, every graded rollout gets 0;
    - otherwise the rollouts at the best rank get 1 (``mode="all"``), or only the first of them
      (``mode="single"``), and the others 0.
    """
    if len(categories) != len(group_ids):
        raise ValueError(f"{len(categories)} categories but {len(group_ids)} group ids")
    if mode not in ("all", "single"):
        raise ValueError(f"mode must be 'all' or 'single', not {mode!r}")
    _check(categories)

    members: dict[Hashable, list[int]] = {}
    for index, group in enumerate(group_ids):
        members.setdefault(group, []).append(index)

    rewards: list[float | None] = [None] * len(categories)
    for indexes in members.values():
        graded = [i for i in indexes if categories[i] in TRAINING_RANK]
        best = min((TRAINING_RANK[categories[i]] for i in graded), default=None)
        rewarded_one = False
        for i in indexes:
            category = categories[i]
            if category == UNPARSEABLE:
                rewards[i] = UNPARSEABLE_REWARD
            elif category == ERROR:
                rewards[i] = None
            elif best == TRAINING_RANK[WRONG] or TRAINING_RANK[category] != best:
                rewards[i] = 0.0
            elif mode == "single" and rewarded_one:
                rewards[i] = 0.0
            else:
                rewards[i] = 1.0
                rewarded_one = True
    return rewards


# ---- static baselines compared in the paper ----------------------------------------------
STATIC_SCHEMES: Mapping[str, Mapping[str, float]] = {
    "reward3": {MORE_SPECIFIC: 1.0, SPECIFIC: 1.0, LESS_SPECIFIC: 0.0, GENERIC: 0.0, ABSTAIN: 0.0, WRONG: 0.0},
    "scala1": {MORE_SPECIFIC: 1.0, SPECIFIC: 1.0, LESS_SPECIFIC: 0.75, GENERIC: 0.5, ABSTAIN: 0.25, WRONG: 0.0},
    "scala2": {MORE_SPECIFIC: 1.0, SPECIFIC: 1.0, LESS_SPECIFIC: 0.75, GENERIC: 0.5, ABSTAIN: 0.0, WRONG: 0.0},
    "scala3": {MORE_SPECIFIC: 1.0, SPECIFIC: 1.0, LESS_SPECIFIC: 0.75, GENERIC: 0.0, ABSTAIN: 0.0, WRONG: 0.0},
}


def static_rewards(categories: Sequence[str], scheme: str) -> list[float | None]:
    """A fixed reward per category (``reward3``, ``scala1``, ``scala2``, ``scala3``).

    Unparseable rollouts get -1 and errors ``None``, as in the dynamic reward.
    """
    table = STATIC_SCHEMES.get(scheme)
    if table is None:
        raise ValueError(f"unknown scheme {scheme!r}; expected one of {sorted(STATIC_SCHEMES)}")
    _check(categories)
    return [UNPARSEABLE_REWARD if c == UNPARSEABLE else None if c == ERROR else table[c] for c in categories]


# ---- noise injection (ablation) ---------------------------------------------------------


def inject_noise(categories: Sequence[str], fraction: float, seed: int) -> list[str]:
    """Move ``round(fraction * graded)`` graded categories one step up or down, reproducibly.

    Which rollouts move and in which direction depend only on ``seed`` and the input; at
    either end of ``NOISE_LADDER`` the only possible step is taken. ``unparseable`` and
    ``error`` never move.
    """
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"fraction must be within [0, 1], not {fraction}")
    _check(categories)
    rng = random.Random(seed)
    graded = [i for i, c in enumerate(categories) if c in TRAINING_RANK]
    noisy = list(categories)
    for i in sorted(rng.sample(graded, round(fraction * len(graded)))):
        position = NOISE_LADDER.index(categories[i])
        step = rng.choice((-1, 1))
        if not 0 <= position + step < len(NOISE_LADDER):
            step = -step
        noisy[i] = NOISE_LADDER[position + step]
    return noisy

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
from trainer_client.ranks import NOISE_LADDER, TOP_RANK, TRAINING_RANK

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

    - ``unparseable`` -> -1; ``error`` -> ``None``;
    - if the best rank among the group's graded rollouts is ``wrong``, every graded rollout gets 0;
    - otherwise the rollouts at the best rank get 1 (``mode="all"``), or only the first of them
      (``mode="single"``), and the others 0.

    A partly graded group (an ``error`` among its rollouts) is exact only when its best graded
    rank is already the top rank: the ungraded sibling cannot have done better (and, with
    ``mode="single"``, no ungraded rollout comes before the first top one, which it would have
    displaced). Otherwise nobody's reward is known: every rollout of the group gets ``None``, and
    TRL leaves the group out (see ``unknown_groups``).
    """
    if len(categories) != len(group_ids):
        raise ValueError(f"{len(categories)} categories but {len(group_ids)} group ids")
    if mode not in ("all", "single"):
        raise ValueError(f"mode must be 'all' or 'single', not {mode!r}")
    _check(categories)

    rewards: list[float | None] = [None] * len(categories)
    for indexes in _members(group_ids).values():
        best = _best_rank(categories, indexes)
        if _unknown(categories, indexes, best, mode):
            continue  # every reward of the group stays None
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


def unknown_groups(categories: Sequence[str], group_ids: Sequence[Hashable], mode: Mode = "all") -> int:
    """How many groups ``best_of_rollout_rewards`` leaves unknown (all ``None``) for want of a grade."""
    return sum(
        _unknown(categories, indexes, _best_rank(categories, indexes), mode) for indexes in _members(group_ids).values()
    )


def _members(group_ids: Sequence[Hashable]) -> dict[Hashable, list[int]]:
    members: dict[Hashable, list[int]] = {}
    for index, group in enumerate(group_ids):
        members.setdefault(group, []).append(index)
    return members


def _best_rank(categories: Sequence[str], indexes: Sequence[int]) -> int | None:
    return min((TRAINING_RANK[categories[i]] for i in indexes if categories[i] in TRAINING_RANK), default=None)


def _unknown(categories: Sequence[str], indexes: Sequence[int], best: int | None, mode: Mode) -> bool:
    errors = [i for i in indexes if categories[i] == ERROR]
    if not errors:
        return False
    if best != TOP_RANK:
        return True
    first_top = next(i for i in indexes if TRAINING_RANK.get(categories[i]) == TOP_RANK)
    return mode == "single" and errors[0] < first_top


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


def inject_noise(categories: Sequence[str], probability: float, seed: int) -> list[str]:
    """The method's noise ablation: each graded item independently, with ``probability``, moves
    one step on ``NOISE_LADDER`` (specific - less specific - generic - abstain - wrong, "more
    specific" counting as "specific"), up or down with equal chance, or the only possible way at
    either end. ``unparseable`` and ``error`` never move. The draws depend only on ``seed`` and
    the input, in order: one uniform draw per graded item, then one for the direction where
    both ways are open.
    """
    if not 0.0 <= probability <= 1.0:
        raise ValueError(f"probability must be within [0, 1], not {probability}")
    _check(categories)
    rng = random.Random(seed)
    noisy = list(categories)
    last = len(NOISE_LADDER) - 1
    for i, category in enumerate(categories):
        if category not in TRAINING_RANK or rng.random() >= probability:
            continue
        position = NOISE_LADDER.index(SPECIFIC if category == MORE_SPECIFIC else category)
        if position == 0:
            step = 1
        elif position == last:
            step = -1
        else:
            step = rng.choice((-1, 1))
        noisy[i] = NOISE_LADDER[position + step]
    return noisy

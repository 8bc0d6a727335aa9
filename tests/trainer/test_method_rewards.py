"""The best-of-rollout reward against the method's rules, written out here from shared/METHOD.md
("Reward (training)") as plainly as possible, over many random groups with errors mixed in.

An ``error`` (the verifier could not grade a rollout) is not part of the method: it stands for a
category we do not know. So a reward we give must be the method's reward whatever that category
was, and where it could differ we must give ``None``.
"""

import itertools
import random

import pytest

from trainer_client.protocol import ABSTAIN, ERROR, GENERIC, LESS_SPECIFIC, MORE_SPECIFIC, SPECIFIC, UNPARSEABLE, WRONG
from trainer_client.rewards import best_of_rollout_rewards, unknown_groups

GRADED = [MORE_SPECIFIC, SPECIFIC, LESS_SPECIFIC, GENERIC, ABSTAIN, WRONG]
RANK = {MORE_SPECIFIC: 1, SPECIFIC: 1, LESS_SPECIFIC: 2, GENERIC: 3, ABSTAIN: 4, WRONG: 5}


def method_rewards(group: list[str], mode: str) -> list[float]:
    """METHOD.md: unparseable -1; best rank wrong -> every parsed rollout 0; else best rank 1, others 0
    ("single": only the first best rollout gets 1)."""
    parsed = [RANK[c] for c in group if c != UNPARSEABLE]
    best = min(parsed) if parsed else None
    rewards, rewarded = [], False
    for category in group:
        if category == UNPARSEABLE:
            rewards.append(-1.0)
        elif best == RANK[WRONG] or RANK[category] != best or (mode == "single" and rewarded):
            rewards.append(0.0)
        else:
            rewards.append(1.0)
            rewarded = True
    return rewards


def random_group(rng: random.Random) -> list[str]:
    size = rng.choice([1, 2, 3, 5, 10])
    pool = GRADED * 3 + [UNPARSEABLE, ERROR, ERROR]
    group = [rng.choice(pool) for _ in range(size)]
    errors = [i for i, c in enumerate(group) if c == ERROR]
    for extra in errors[3:]:  # at most three errors: every completion of them is enumerated below
        group[extra] = rng.choice(GRADED)
    return group


@pytest.mark.parametrize("mode", ["all", "single"])
def test_rewards_match_the_method_on_random_groups_with_errors(mode):
    rng = random.Random(20261126)
    groups = [random_group(rng) for _ in range(6000)]
    categories = [c for g in groups for c in g]
    ids = [n for n, g in enumerate(groups) for _ in g]
    rewards = best_of_rollout_rewards(categories, ids, mode)
    position, unknown, partly_graded = 0, 0, 0
    for group in groups:
        ours = rewards[position : position + len(group)]
        position += len(group)
        errors = [i for i, c in enumerate(group) if c == ERROR]
        if not errors:
            assert ours == method_rewards(group, mode), group
            continue
        partly_graded += 1
        # every category the ungraded rollouts might have had
        outcomes = []
        for filling in itertools.product(GRADED, repeat=len(errors)):
            completed = list(group)
            for i, category in zip(errors, filling, strict=True):
                completed[i] = category
            outcomes.append(method_rewards(completed, mode))
        for i, reward in enumerate(ours):
            if i in errors:
                assert reward is None
            elif reward is not None:
                assert all(outcome[i] == reward for outcome in outcomes), (group, ours)
        if all(r is None for r in ours):
            unknown += 1
            graded = [RANK[c] for c in group if c in RANK]
            assert not graded or min(graded) != 1 or mode == "single"  # left unknown only by the rule
    assert partly_graded > 1000 and 0 < unknown < partly_graded  # both cases really occurred
    assert unknown_groups(categories, ids, mode) == unknown

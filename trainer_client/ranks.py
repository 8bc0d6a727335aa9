"""Every ordering of the categories the method uses, one per purpose, in one place.

- ``TRAINING_RANK``: the best-of-rollout reward's ranks, best first; a more specific answer is
  as good as the exact one.
- ``EVALUATION_ORDER``: best-of-N in evaluation, where "more specific" ranks above "specific".
- ``NOISE_LADDER``: the noise ablation's five-step ladder, one step at a time; "more specific"
  stands on the "specific" step.
"""

from __future__ import annotations

from collections.abc import Mapping

from trainer_client.protocol import ABSTAIN, GENERIC, LESS_SPECIFIC, MORE_SPECIFIC, SPECIFIC, UNPARSEABLE, WRONG

TRAINING_RANK: Mapping[str, int] = {
    MORE_SPECIFIC: 1,
    SPECIFIC: 1,
    LESS_SPECIFIC: 2,
    GENERIC: 3,
    ABSTAIN: 4,
    WRONG: 5,
}

TOP_RANK = min(TRAINING_RANK.values())

EVALUATION_ORDER = (MORE_SPECIFIC, SPECIFIC, LESS_SPECIFIC, GENERIC, ABSTAIN, WRONG, UNPARSEABLE)

NOISE_LADDER = (SPECIFIC, LESS_SPECIFIC, GENERIC, ABSTAIN, WRONG)

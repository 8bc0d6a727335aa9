"""A verl rollout's group: its size and its member id, which verl 0.9.1 does not hand a reward manager.

Read from verl 0.9.1's V1 trainer: ``verl/trainer/ppo/v1/agent_loop_tq.py`` pops ``validate`` from
the batch and ``__rollout_n__`` from each prompt before the agent loop runs, so the non-tensor
fields a reward manager receives (the dataset row's columns, ``uid``, ``session_id``: the rollout's
number within its prompt, 0 .. n-1) say neither whether the rollout is a validation one
(``rollout.val_kwargs.n`` siblings) nor a per-sample ``__rollout_n__``. So the size is the
dataset's to say (``extra_info.group_size``), else ``rollout.n``; and a configuration whose
validation groups would be another size, with no size in the data, is refused when the manager
is built, instead of every validation group waiting ``wait_s`` for siblings that never come.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

DATA_KEY = "group_size"  # in each row's extra_info


def _get(node: Any, *path: str, default: Any = None) -> Any:
    for key in path:
        if node is None or not hasattr(node, "get"):
            return default
        node = node.get(key)
    return default if node is None else node


def validation_runs(config: Any) -> bool:
    """Whether verl will validate: before training, every ``test_freq`` steps, or only."""
    trainer = _get(config, "trainer")
    return bool(
        _get(trainer, "val_before_train", default=True)
        or int(_get(trainer, "test_freq", default=-1)) > 0
        or _get(trainer, "val_only", default=False)
    )


def check_group_sizes(config: Any, *, sizes_in_data: bool) -> None:
    """Refuse, when the manager is built, what would stall: validation groups of another size than
    training's, and nothing to tell a validation rollout by."""
    rollout = _get(config, "actor_rollout_ref", "rollout")
    train_n, val_n = int(_get(rollout, "n", default=1)), int(_get(rollout, "val_kwargs", "n", default=1))
    if sizes_in_data or val_n == train_n or not validation_runs(config):
        return
    raise ValueError(
        f"verl validates with actor_rollout_ref.rollout.val_kwargs.n={val_n} rollouts per prompt and trains with "
        f"rollout.n={train_n}, but verl 0.9.1 tells a reward manager neither which pass a rollout belongs to "
        "nor its group's size, so every validation group would wait wait_s for siblings that never come. "
        f"Choose one: actor_rollout_ref.rollout.val_kwargs.n={train_n}; or no validation "
        "(trainer.val_before_train=false trainer.test_freq=-1); or give every row of your data its group's size "
        f"in extra_info.{DATA_KEY} (validation rows: val_kwargs.n; rows with __rollout_n__: that) and set "
        "+reward.speciarl.group_size_in_data=true"
    )


def group_size(extra_info: Mapping[str, Any] | None, default: int, *, required: bool, uid: str) -> int:
    """The row's ``extra_info.group_size``, else ``default`` (``rollout.n``) unless the data was
    declared to carry it."""
    given = (extra_info or {}).get(DATA_KEY)
    if given is None:
        if required:
            raise ValueError(
                f"the row of uid {uid} has no extra_info.{DATA_KEY}, and +reward.speciarl.group_size_in_data "
                "says every row has one"
            )
        return default
    if isinstance(given, bool) or not isinstance(given, int | float) or int(given) != given or int(given) < 1:
        raise ValueError(f"extra_info.{DATA_KEY} of the row of uid {uid} is {given!r}: a whole number of at least 1")
    return int(given)


def member_id(non_tensor: Mapping[str, Any]) -> str:
    """The rollout's number within its prompt (V1's ``session_id``), so that a call sent again is the
    same member; a fresh id where the agent loop gives none (the legacy trainer)."""
    session = non_tensor.get("session_id")
    if session is None:
        return uuid.uuid4().hex
    return str(int(session))

"""How the verl manager finds a rollout's group size and member id (``trainer_client/verl_groups.py``);
verl's own launch path is ``test_verl_launch.py``."""

import pytest

from trainer_client.verl_groups import check_group_sizes, group_size, member_id, validation_runs


def config(n=8, val_n=1, **trainer):
    """As verl's composed config reads (a mapping; verl's is an OmegaConf DictConfig, ``test_verl_launch.py``)."""
    return {"actor_rollout_ref": {"rollout": {"n": n, "val_kwargs": {"n": val_n}}},
            "trainer": {"val_before_train": True, "test_freq": -1, **trainer}}  # fmt: skip


def test_validation_runs_as_verl_decides_it():
    assert validation_runs(config())
    assert not validation_runs(config(val_before_train=False))
    assert validation_runs(config(val_before_train=False, test_freq=10))
    assert validation_runs(config(val_before_train=False, val_only=True))
    assert validation_runs({})  # verl's default: validate before training


def test_a_configuration_that_would_stall_is_refused_with_the_ways_out():
    with pytest.raises(ValueError) as refused:
        check_group_sizes(config(), sizes_in_data=False)
    message = str(refused.value)
    for way_out in ("val_kwargs.n=8", "trainer.val_before_train=false trainer.test_freq=-1", "group_size_in_data"):
        assert way_out in message
    check_group_sizes(config(val_n=8), sizes_in_data=False)
    check_group_sizes(config(val_before_train=False), sizes_in_data=False)
    check_group_sizes(config(), sizes_in_data=True)


def test_the_rows_group_size_else_rollout_n():
    assert group_size({"group_size": 1}, 8, required=False, uid="u") == 1
    assert group_size({"group_size": 4.0}, 8, required=False, uid="u") == 4
    assert group_size({}, 8, required=False, uid="u") == 8 and group_size(None, 8, required=False, uid="u") == 8
    with pytest.raises(ValueError, match="uid u has no extra_info.group_size"):
        group_size({}, 8, required=True, uid="u")
    for bad in (0, -1, 2.5, "4", True):
        with pytest.raises(ValueError, match="a whole number of at least 1"):
            group_size({"group_size": bad}, 8, required=False, uid="u")


def test_the_member_is_the_session_so_a_call_sent_again_is_the_same_member():
    import numpy as np

    assert member_id({"session_id": np.int64(3)}) == "3" == member_id({"session_id": 3})
    assert member_id({}) != member_id({})  # the legacy agent loop gives no session: one id per call

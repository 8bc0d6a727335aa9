import pytest

from trainer_client.ranks import NOISE_LADDER
from trainer_client.rewards import best_of_rollout_rewards, inject_noise, static_rewards

MS, S, LS, G, A, W, U, E = (
    "more specific",
    "specific",
    "less specific",
    "generic",
    "abstain",
    "wrong",
    "unparseable",
    "error",
)


def one_group(categories, mode="all"):
    return best_of_rollout_rewards(categories, [0] * len(categories), mode)


@pytest.mark.parametrize(
    ("categories", "expected"),
    [
        ([S, LS, G, W], [1, 0, 0, 0]),
        ([MS, S, LS], [1, 1, 0]),  # more specific ties with specific
        ([LS, G, LS, A, W], [1, 0, 1, 0, 0]),
        ([G, A, W], [1, 0, 0]),
        ([W, W, W], [0, 0, 0]),  # all wrong
        ([A, A, A], [1, 1, 1]),  # all abstain: abstaining is the best reached, never guessing
        ([A, W, A], [1, 0, 1]),
        ([U, S, W], [-1, 1, 0]),
        ([U, U], [-1, -1]),
        ([U, W], [-1, 0]),  # best graded is wrong: graded rollouts 0, unparseable still -1
        ([E, S, LS], [None, 1, 0]),  # an error is unscorable and does not take part
        ([E, E], [None, None]),
        ([E, U], [None, -1]),
        ([E, W, LS], [None, 0, 1]),
    ],
)
def test_best_of_rollout_mode_all(categories, expected):
    assert one_group(categories) == expected


@pytest.mark.parametrize(
    ("categories", "expected"),
    [
        ([LS, S, MS, S], [0, 1, 0, 0]),  # only the first at the best rank
        ([A, A], [1, 0]),
        ([W, W], [0, 0]),
        ([E, S, S, U], [None, 1, 0, -1]),
    ],
)
def test_best_of_rollout_mode_single(categories, expected):
    assert one_group(categories, "single") == expected


def test_groups_are_independent_and_need_not_be_contiguous():
    categories = [S, LS, W, W, G, A]
    groups = ["a", "a", "b", "b", "c", "c"]
    assert best_of_rollout_rewards(categories, groups) == [1, 0, 0, 0, 1, 0]
    assert best_of_rollout_rewards([S, W, LS, W], [1, 2, 1, 2]) == [1, 0, 0, 0]


def test_bad_arguments():
    with pytest.raises(ValueError, match="2 categories but 1 group ids"):
        best_of_rollout_rewards([S, S], [0])
    with pytest.raises(ValueError, match="unknown categories"):
        best_of_rollout_rewards(["correct"], [0])
    with pytest.raises(ValueError, match="mode"):
        best_of_rollout_rewards([S], [0], "best")


def test_static_baselines():
    categories = [MS, S, LS, G, A, W, U, E]
    assert static_rewards(categories, "reward3") == [1, 1, 0, 0, 0, 0, -1, None]
    assert static_rewards(categories, "scala1") == [1, 1, 0.75, 0.5, 0.25, 0, -1, None]
    assert static_rewards(categories, "scala2") == [1, 1, 0.75, 0.5, 0, 0, -1, None]
    assert static_rewards(categories, "scala3") == [1, 1, 0.75, 0, 0, 0, -1, None]
    with pytest.raises(ValueError, match="unknown scheme"):
        static_rewards(categories, "scala4")


def test_noise_is_seeded_moves_one_step_and_spares_unparseable_and_errors():
    categories = [MS, S, LS, G, A, W] * 20 + [U, E] * 10
    noisy = inject_noise(categories, 0.25, seed=7)
    assert noisy == inject_noise(categories, 0.25, seed=7)
    assert noisy != inject_noise(categories, 0.25, seed=8)
    moved = [(a, b) for a, b in zip(categories, noisy, strict=True) if a != b]
    assert len(moved) == 30  # a quarter of the 120 graded
    for before, after in moved:
        assert abs(NOISE_LADDER.index(before) - NOISE_LADDER.index(after)) == 1
    assert noisy[120:] == categories[120:]
    assert inject_noise(categories, 0.0, seed=1) == categories
    assert inject_noise([MS], 1.0, seed=1) == [S] and inject_noise([W], 1.0, seed=1) == [A]  # ends step inwards
    with pytest.raises(ValueError):
        inject_noise(categories, 1.5, seed=1)

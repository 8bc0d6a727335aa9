import pytest

from trainer_client.ranks import NOISE_LADDER
from trainer_client.rewards import best_of_rollout_rewards, inject_noise, static_rewards, unknown_groups

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
        # a partly graded group: exact only when its best graded rank is the top rank
        ([E, S, LS], [None, 1, 0]),
        ([E, MS, W, U], [None, 1, 0, -1]),
        ([E, LS, W], [None, None, None]),  # the ungraded one may have been better: unknown
        ([E, W, LS], [None, None, None]),
        ([E, W, U], [None, None, None]),
        ([E, U], [None, None]),
        ([E, E], [None, None]),
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
        ([S, E, S, U], [1, None, 0, -1]),  # the first best is graded: exact
        ([E, S, S, U], [None, None, None, None]),  # the ungraded one may have been the first best
        ([E, A, A, U], [None, None, None, None]),
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


def test_unknown_groups_are_counted():
    categories = [E, LS, W, S, E, W, U, U]
    assert unknown_groups(categories, [0, 0, 0, 1, 1, 1, 2, 2]) == 1  # group 0 only: group 1 reached the top


def ladder_step(before: str, after: str) -> int:
    on_ladder = {MS: S}
    return NOISE_LADDER.index(on_ladder.get(after, after)) - NOISE_LADDER.index(on_ladder.get(before, before))


def test_noise_is_seeded_independent_per_item_and_one_step_on_the_five_step_ladder():
    assert NOISE_LADDER == (S, LS, G, A, W)
    categories = [MS, S, LS, G, A, W] * 2000 + [U, E] * 10
    noisy = inject_noise(categories, 0.25, seed=7)
    assert noisy == inject_noise(categories, 0.25, seed=7)
    assert noisy != inject_noise(categories, 0.25, seed=8)
    moved = [(a, b) for a, b in zip(categories, noisy, strict=True) if a != b]
    assert 0.22 * 12000 < len(moved) < 0.28 * 12000  # independent draws: about a quarter, not exactly
    for before, after in moved:
        assert abs(ladder_step(before, after)) == 1 and after != MS
    assert noisy[12000:] == categories[12000:]  # unparseable and errors never move
    # where both ways are open, up and down are equally likely
    middle = [ladder_step(a, b) for a, b in moved if a in (LS, G, A)]
    assert abs(sum(middle)) < 4 * len(middle) ** 0.5
    assert inject_noise(categories, 0.0, seed=1) == categories
    with pytest.raises(ValueError):
        inject_noise(categories, 1.5, seed=1)


def test_noise_at_the_ends_of_the_ladder_takes_the_only_way():
    # more specific counts as specific: its only step is down, to less specific (a reward change)
    assert inject_noise([MS, S, W], 1.0, seed=1) == [LS, LS, A]


def test_five_percent_of_ten_items_can_move():
    moved = sum(inject_noise([S] * 10, 0.05, seed) != [S] * 10 for seed in range(200))
    assert 40 < moved < 120  # 1 - 0.95**10 = 40% of the groups see a move (round(0.5) moved none)


def test_the_readmes_reward_example_runs_as_written():
    """Issue 34: the README named the reward functions but showed no call."""
    import re

    from conftest import REPO

    found = re.search(r"<!-- example:rewards -->\s*```python\n(.*?)```", (REPO / "README.md").read_text(), re.S)
    assert found, "the README's reward example is gone"
    exec(compile(found.group(1), "README.md (example:rewards)", "exec"), {})

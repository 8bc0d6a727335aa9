"""Property-based tests of the trainer side's pure rules (hypothesis)."""

from hypothesis import given
from hypothesis import strategies as st

from trainer_client.extraction import extract_answer
from trainer_client.rewards import GRADED, best_of_rollout_rewards

TEXT = st.text(max_size=80)


@given(st.lists(st.sampled_from([*GRADED, "unparseable", "error"]), min_size=1, max_size=30), st.integers(1, 5))
def test_best_of_rollout_invariants(categories, group_size):
    groups = [i // group_size for i in range(len(categories))]
    rewards = best_of_rollout_rewards(categories, groups)
    for index, (category, reward) in enumerate(zip(categories, rewards, strict=True)):
        group = [c for c, g in zip(categories, groups, strict=True) if g == groups[index]]
        graded = [c for c in group if c not in ("error", "unparseable")]
        top = any(c in ("specific", "more specific") for c in graded)
        if "error" in group and not top:
            assert reward is None  # a partly graded group without a top answer: unknown
        elif category == "error":
            assert reward is None
        elif category == "unparseable":
            assert reward == -1.0
        else:
            assert reward in (0.0, 1.0)
            if category == "wrong":
                assert reward == 0.0  # a wrong answer is never rewarded


@given(TEXT)
def test_extraction_never_raises(text):
    answer = extract_answer(text)
    assert answer is None or (answer.strip() == answer and answer)

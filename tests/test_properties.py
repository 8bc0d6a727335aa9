"""Property-based tests of the grading core (hypothesis)."""

import asyncio

from fakes import ScriptedJudge
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trainer_client.extraction import extract_answer
from trainer_client.rewards import GRADED, best_of_rollout_rewards
from verifier_service.grading import Category, GradeInput, Grader, Status, label_key, normalise
from verifier_service.grading.rules import apply_rules
from verifier_service.store.taxonomy_files import bundled_taxonomy_paths, load_taxonomies

TEXT = st.text(max_size=80)
LABEL = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=0x2FFF), min_size=1, max_size=40).filter(
    lambda s: any(ch.isalnum() for ch in s)
)
PETS = load_taxonomies(bundled_taxonomy_paths())["oxford-pets"]
PET_TERMS = sorted({name for n in PETS.nodes.values() for name in (n.name, *n.synonyms)})


@given(TEXT)
def test_normalise_is_idempotent_and_canonical(text):
    once = normalise(text)
    assert normalise(once) == once
    assert once == once.strip() and "  " not in once
    assert label_key(normalise(label_key(once))) == label_key(once)


@given(TEXT, TEXT)
def test_rules_never_raise_and_return_a_category_or_none(truth, answer):
    result = apply_rules(normalise(truth), normalise(answer), answer)
    assert result is None or isinstance(result, Category)


@given(LABEL)
def test_a_label_is_specific_to_itself(label):
    if not normalise(label).startswith(("_", "-")) and not normalise(label).endswith(("_", "-")):
        assert apply_rules(normalise(label), normalise(label), label) is Category.SPECIFIC


@given(st.sampled_from(PET_TERMS), st.sampled_from(PET_TERMS))
def test_taxonomy_relations_are_mutually_consistent(a, b):
    forward, backward = PETS.categorise(a, b), PETS.categorise(b, a)
    assert forward is not None and backward is not None  # both terms are known
    if forward is Category.MORE_SPECIFIC:
        assert backward in (Category.LESS_SPECIFIC, Category.GENERIC)
    if forward in (Category.SPECIFIC, Category.WRONG):
        assert backward is forward


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(LABEL, TEXT), min_size=1, max_size=12))
def test_grader_answers_every_item_consistently(pairs):
    grader = Grader(judges={"j": ScriptedJudge()}, default_judge="j")
    grades = asyncio.run(grader.grade([GradeInput(t, p) for t, p in pairs]))
    assert len(grades) == len(pairs)
    for (truth, answer), grade in zip(pairs, grades, strict=True):
        assert grade.status is Status.OK and grade.category is not None and grade.source is not None
        twin = [g for (t, p), g in zip(pairs, grades, strict=True) if (t, p) == (truth, answer)]
        assert all(g == grade for g in twin)  # duplicates get the same grade


@given(st.lists(st.sampled_from([*GRADED, "unparseable", "error"]), min_size=1, max_size=30), st.integers(1, 5))
def test_best_of_rollout_invariants(categories, group_size):
    groups = [i // group_size for i in range(len(categories))]
    rewards = best_of_rollout_rewards(categories, groups)
    for category, reward in zip(categories, rewards, strict=True):
        if category == "error":
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
    assert answer is None or (answer.strip() == answer and normalise(answer))

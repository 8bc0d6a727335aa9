"""Property-based tests of the grading core (hypothesis)."""

import asyncio

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.fakes import ScriptedJudge

from verifier_service.grading import Category, GradeInput, Grader, Status, label_key, normalise
from verifier_service.grading.rules import apply_rules, is_fragment
from verifier_service.taxonomy.files import bundled_taxonomy_paths, load_taxonomies

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
    assert result is None or (isinstance(result.category, Category) and result.reason)


@given(LABEL)
def test_a_label_is_specific_to_itself(label):
    if not is_fragment(label):
        assert apply_rules(normalise(label), normalise(label), label).category is Category.SPECIFIC


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
    grades = asyncio.run(grader.grade([GradeInput(t, p) for t, p in pairs])).grades
    assert len(grades) == len(pairs)
    for (truth, answer), grade in zip(pairs, grades, strict=True):
        assert grade.status is Status.OK and grade.category is not None and grade.source is not None
        twin = [g for (t, p), g in zip(pairs, grades, strict=True) if (t, p) == (truth, answer)]
        assert all(g == grade for g in twin)  # duplicates get the same grade

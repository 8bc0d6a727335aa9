"""Property-based tests of the grading core (hypothesis)."""

import asyncio
import sys

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.fakes import ScriptedJudge

from verifier_service.grading import Category, GradeInput, Grader, Status, label_key, normalise
from verifier_service.grading.rules import Reading, apply_rules, is_fragment
from verifier_service.taxonomy.files import bundled_taxonomy_paths, load_taxonomies

TEXT = st.text(max_size=80)
LABEL = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=0x2FFF), min_size=1, max_size=40).filter(
    lambda s: any(ch.isalnum() for ch in s)
)
TAXONOMIES = load_taxonomies(bundled_taxonomy_paths())
PETS = TAXONOMIES["oxford-pets"]
PET_TERMS = sorted({name for n in PETS.nodes.values() for name in (n.name, *n.synonyms)})


@given(TEXT)
def test_normalise_is_idempotent_and_canonical(text):
    once = normalise(text)
    assert normalise(once) == once
    assert once == once.strip() and "  " not in once
    assert label_key(normalise(label_key(once))) == label_key(once)


@given(TEXT, TEXT, st.sampled_from([None, "oxford-pets", "cub-200"]))
def test_rules_never_raise_and_return_a_category_a_reading_or_none(truth, answer, taxonomy):
    names = TAXONOMIES[taxonomy] if taxonomy else None
    result = apply_rules(normalise(truth), normalise(answer), answer, names, truth)
    if isinstance(result, Reading):
        assert result.text and result.reason
    else:
        assert result is None or (isinstance(result.category, Category) and result.reason)


def rule_work(answer: str, names) -> int:
    """Lines of grading and taxonomy code run to read one answer: a count, never a time."""
    count = 0

    def tracer(frame, event, arg):
        nonlocal count
        if "verifier_service" in frame.f_code.co_filename:
            if event == "line":
                count += 1
            return tracer
        return None

    sys.settrace(tracer)
    try:
        apply_rules("golden winged warbler", normalise(answer), answer, names, "Golden-winged Warbler")
    finally:
        sys.settrace(None)
    return count


# Pieces whose repetition exercises every reader of an answer: separators, joining words, digits,
# brackets, the label's words, refusals.
PIECE = st.sampled_from(
    ["robin, ", "or ", "(", ") ", "/", "4", "b1rd ", "golden winged warbler ", "not sure ", "and ", "—", " ", "x"]
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(PIECE, min_size=1, max_size=8), st.sampled_from([None, "cub-200"]))
def test_reading_an_answer_is_linear_in_its_length(pieces, taxonomy):
    names = TAXONOMIES[taxonomy] if taxonomy else None
    unit = "".join(pieces)
    short = (unit * (256 // len(unit) + 1))[:256]
    long = (unit * (512 // len(unit) + 1))[:512]
    assert rule_work(long, names) <= 2.5 * rule_work(short, names) + 200


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

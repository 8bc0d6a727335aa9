"""Normalisation never merges two different words (issue 27): marks that change a word in its
script stay, as the method's normalisation keeps every letter (\\p{L}) as it is. Two names the
taxonomy loader calls distinct are never graded ``specific`` against each other."""

import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.fakes import ScriptedJudge

from verifier_service.grading import Category, GradeInput, Grader
from verifier_service.taxonomy import Taxonomy, TaxonomyError

SCRIPTS = {
    # letters, and the combining marks that change a word in that script
    "vietnamese": ("abcdeghiklmnopqrstuvxy", "\u0300\u0301\u0303\u0309\u0323\u031b\u0302\u0306"),
    "thai": ("".join(map(chr, range(0x0E01, 0x0E2F))),
             "\u0e31\u0e34\u0e35\u0e36\u0e37\u0e38\u0e39\u0e47\u0e48\u0e49\u0e4a\u0e4b\u0e4c"),
    "devanagari": ("".join(map(chr, range(0x0915, 0x093A))),
                   "\u0901\u0902\u093e\u093f\u0940\u0941\u0942\u0947\u0948\u094b\u094c\u094d"),
    "arabic": ("".join(map(chr, range(0x0628, 0x064B))), "\u064b\u064c\u064d\u064e\u064f\u0650\u0651\u0652"),
    "hebrew": ("".join(map(chr, range(0x05D0, 0x05EB))),
               "\u05b0\u05b1\u05b2\u05b4\u05b5\u05b6\u05b7\u05b8\u05b9\u05bb\u05bc"),
}  # fmt: skip


@st.composite
def word_pair(draw):
    letters, marks = SCRIPTS[draw(st.sampled_from(sorted(SCRIPTS)))]
    base = draw(st.lists(st.sampled_from(letters), min_size=1, max_size=5))

    def marked():
        return "".join(ch + draw(st.sampled_from(["", "", *marks])) for ch in base)

    return marked(), marked()


def loader_calls_distinct(a: str, b: str) -> bool:
    try:
        Taxonomy.from_dict(
            {"name": "t", "nodes": [{"name": "root"}, {"name": a, "parent": "root"}, {"name": b, "parent": "root"}]}
        )
    except TaxonomyError:
        return False
    return True


def grade(a: str, b: str, taxonomy=None) -> Category | None:
    import asyncio

    taxonomies = {"t": taxonomy} if taxonomy else {}
    grader = Grader(judges={"j": ScriptedJudge(default=Category.WRONG)}, taxonomies=taxonomies)
    return asyncio.run(grader.grade([GradeInput(a, b, "t" if taxonomy else None)])).grades[0].category


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(word_pair())
def test_distinct_names_are_never_graded_specific(pair):
    a, b = pair
    if unicodedata.normalize("NFC", a) == unicodedata.normalize("NFC", b):
        return  # one word, written two ways
    assert loader_calls_distinct(a, b)
    assert grade(a, b) is not Category.SPECIFIC
    tree = Taxonomy.from_dict(
        {"name": "t", "nodes": [{"name": "root"}, {"name": a, "parent": "root"}, {"name": b, "parent": "root"}]}
    )
    assert grade(a, b, tree) is Category.WRONG


@pytest.mark.parametrize(
    ("cow", "avocado"),
    [("bò", "bơ"), ("cá", "cà"), ("หมู", "หมี"), ("बैल", "बेल"), ("כֹּל", "כַּל")],
)
def test_the_reported_words_stay_apart(cow, avocado):
    assert loader_calls_distinct(cow, avocado)
    assert grade(cow, avocado) is not Category.SPECIFIC


def test_one_letter_written_two_ways_is_still_one_name():
    composed, decomposed = "b\u00f2", "bo\u0300"  # NFC and NFD of the same word
    assert not loader_calls_distinct(composed, decomposed)
    assert grade(composed, decomposed) is Category.SPECIFIC
    assert grade("ＭＡＬＬＡＲＤ", "mallard") is Category.SPECIFIC  # full-width letters (compatibility forms)

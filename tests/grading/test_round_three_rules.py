"""Grading round three (issue 34, item 4): hedges at either end, a denial of any name on the
label's lineage, Latin and Greek plurals, explanations that quote what was dropped; measured on a
new domain labelled before the rules (tests/data/new_domain/, 2026-12-05)."""

from pathlib import Path

import pytest

from verifier_service.config import Settings
from verifier_service.grading import GradeInput
from verifier_service.grading.explanations import explain_grade
from verifier_service.grading.normalise import label_key, normalise
from verifier_service.judge_evaluation import grade_labelled, read_pairs, summarise
from verifier_service.services import build_services
from verifier_service.taxonomy.files import load_taxonomy_file

NEW_DOMAIN = Path(__file__).parents[1] / "data" / "new_domain"


@pytest.mark.parametrize(
    ("answer", "key"),
    [
        ("Melanoma, probably", "melanoma"),
        ("malignant melanoma I think", "malignant melanoma"),
        ("robin, I'd say", "robin"),
        ("probably a robin, most likely", "robin"),
        ("I think", "i think"),  # alone: no name to hedge, left as it is
        ("I'm not sure", "i m not sure"),  # a refusal, still whole
        ("maybe", "maybe"),
    ],
)
def test_hedges_are_dropped_at_either_end_but_never_leave_nothing(answer, key):
    assert label_key(normalise(answer)) == key


@pytest.fixture(scope="module")
def lesions():
    return load_taxonomy_file(NEW_DOMAIN / "skin_lesions.yaml")


@pytest.mark.parametrize(
    ("plural", "node"),
    [("nevi", "nevus"), ("naevi", "nevus"), ("actinic keratoses", "actinic keratosis"), ("melanomata", "melanoma"),
     ("haemangiomas", "hemangioma"), ("melanocytic nevi", "nevus"), ("vascular lesions", "vascular lesion")],
)  # fmt: skip
def test_latin_and_greek_plurals_name_their_node(lesions, plural, node):
    assert lesions.lookup(plural).name == node


def test_classical_plural_endings_never_make_a_name_out_of_nothing(lesions):
    for word in ("via", "aa", "ai", "pi"):  # too short to be a plural of anything
        assert lesions.lookup(word) is None


async def test_the_new_domain_labelled_before_the_rules(tmp_path):
    """28 pairs labelled on 2026-12-05 before these rules: before them 9 were settled without a judge
    (2 of them flipped: a correct answer with a trailing hedge graded wrong as several options);
    now 26, none flipped."""
    settings = Settings(data_dir=tmp_path, cache="none", audit=False, grade_memo_size=0,
                        taxonomy_paths=[NEW_DOMAIN / "skin_lesions.yaml"])  # fmt: skip
    services = await build_services(settings)
    try:
        graded, _ = await grade_labelled(
            services, read_pairs(NEW_DOMAIN / "skin_lesions_pairs.jsonl"), judge=None, no_rules=False, no_judge=True
        )
        tree = services.taxonomies["skin-lesions"]
        hedged = GradeInput("melanoma", "Melanoma, probably", "skin-lesions")
        grade = (await services.grader.grade([hedged])).grades[0]
        explained = explain_grade(hedged, grade, tree, judge=None, prompt_version="v")
    finally:
        await services.aclose()
    report = summarise(graded)
    assert report["overall"]["graded"] == 26 and report["overall"]["flips"] == 0
    assert report["overall"]["agreement"] == pytest.approx(25 / 26)
    assert explained["dropped"] == ["probably"] and '(read without "probably")' in explained["text"]


async def test_a_denial_of_a_name_above_the_label_is_wrong_only_where_a_taxonomy_says_so(tmp_path):
    settings = Settings(data_dir=tmp_path, cache="none", audit=False, grade_memo_size=0,
                        taxonomy_paths=[NEW_DOMAIN / "skin_lesions.yaml"])  # fmt: skip
    services = await build_services(settings)
    items = [
        GradeInput("nodular melanoma", "not melanoma", "skin-lesions"),
        GradeInput("nodular melanoma", "it is not a melanocytic lesion", "skin-lesions"),
        GradeInput("nodular melanoma", "not a nevus", "skin-lesions"),  # denies another branch: the judge's
        GradeInput("nodular melanoma", "not melanoma", None),  # no taxonomy: the judge's
    ]
    try:
        grades = (await services.grader.grade(items)).grades
    finally:
        await services.aclose()
    assert [(g.category and g.category.value, g.reason) for g in grades[:2]] == [
        ("wrong", "negates a name at or above the label")
    ] * 2
    assert [g.status.value for g in grades[2:]] == ["no_judge", "no_judge"]


@pytest.mark.parametrize(
    ("plural", "singular"),
    [("fungi", "fungus"), ("larvae", "larva"), ("genera", "genus"), ("keratoses", "keratosis"), ("nevi", "nevus"),
     ("bacteria", "bacterium"), ("phenomena", "phenomenon"), ("apices", "apex"), ("matrices", "matrix"),
     ("melanomata", "melanoma"), ("puppies", "puppy")],
)  # fmt: skip
def test_the_plural_table_reads_the_issues_words(plural, singular):
    from verifier_service.taxonomy.model import _singular_forms

    assert singular in list(_singular_forms(plural))

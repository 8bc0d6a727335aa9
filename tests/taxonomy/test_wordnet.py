"""WordNet 3.0 (Debian's wordnet-base) as a general taxonomy."""

import pytest

from verifier_service.grading import Category


@pytest.mark.parametrize(
    ("truth", "answer", "expected"),
    [
        ("samoyed", "samoyed", Category.SPECIFIC),
        ("samoyed", "spitz", Category.LESS_SPECIFIC),
        ("samoyed", "dog", Category.GENERIC),  # the dog sense of "dog", chosen through the relation
        ("Samoyeds", "dogs", Category.GENERIC),
        ("golden retriever", "retriever", Category.LESS_SPECIFIC),
        ("tabby cat", "cat", Category.GENERIC),
        ("samoyed.n.03", "dog", Category.GENERIC),  # a synset name as the label
        ("golden retriever", "cat", None),  # WordNet never settles "wrong"
        ("crane", "bird", None),  # an ambiguous label (bird or machine) goes to the judge
        ("dog", "samoyed", Category.MORE_SPECIFIC),  # "dog": the animal dominates (tagged 42 times, the others 0)
        ("car", "sedan", Category.MORE_SPECIFIC),  # the automobile: tagged 71 times, the railcar 2
        ("sedan", "car", None),  # the saloon car (tagged 2) does not dominate the sedan chair (0)
        ("lion", "animal", Category.GENERIC),  # a top-level concept (noun.Tops) above the label
        ("mouse", "rodent", Category.LESS_SPECIFIC),  # a plain "mouse" is the animal; name mouse.n.04 for the device
        ("mouse.n.04", "rodent", None),
        ("samoyed", "quokka wallaby thing", None),
    ],
)
def test_relations(wordnet, truth, answer, expected):
    assert wordnet.categorise(truth, answer) is expected


def test_senses_are_visual_and_lineage_is_the_dogs(wordnet):
    senses = wordnet.senses("samoyed")
    assert [s.name() for s in senses] == ["samoyed.n.03"]  # not the people, not the language
    assert wordnet.describe_lineage("samoyed").startswith("samoyed < spitz < dog < canine")
    explained = wordnet.explain("crane")
    assert explained["ambiguous"] is True and {"crane.n.04", "crane.n.05"} <= {s["synset"] for s in explained["senses"]}
    assert wordnet.explain("xyzzy") is None
    assert wordnet.version.startswith("wordnet-3.0|")

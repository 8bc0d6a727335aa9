"""Every grade explains itself on request: the rule, the taxonomy's nodes and relation, the judge."""

import pytest
from support.fakes import ScriptedJudge

from verifier_service.config import Settings
from verifier_service.grading import Category

MUSHROOMS = {
    "name": "mushrooms",
    "close_ranks": ["genus"],
    "nodes": [
        {"name": "fungus", "synonyms": ["mushroom"]},
        {"name": "Amanita", "parent": "fungus", "rank": "genus"},
        {"name": "Amanita muscaria", "parent": "Amanita", "rank": "species", "synonyms": ["fly agaric"]},
        {"name": "Amanita phalloides", "parent": "Amanita", "rank": "species", "synonyms": ["death cap"]},
        {"name": "Boletus", "parent": "fungus", "rank": "genus"},
        {"name": "Boletus edulis", "parent": "Boletus", "rank": "species", "synonyms": ["porcini"]},
    ],
}


@pytest.fixture
def server(app_server, tmp_path):
    judge = ScriptedJudge({("amanita muscaria", "red toadstool"): Category.SPECIFIC})
    with app_server(Settings(data_dir=tmp_path / "data"), {"j": judge}) as running:
        with running.client() as http:
            assert http.put("/taxonomies/mushrooms", json=MUSHROOMS).status_code == 201
        yield running


def grade(server, pairs, **options):
    items = [{"ground_truth": t, "prediction": p, "id": n} for n, (t, p) in enumerate(pairs)]
    with server.client() as http:
        answer = http.post("/grade", json={"items": items, "taxonomy": "mushrooms", **options})
    assert answer.status_code == 200, answer.text
    return answer.json()["grades"]


def test_taxonomy_grades_name_the_nodes_and_the_relation(server):
    graded = grade(
        server,
        [
            ("Amanita muscaria", "Amanita"),
            ("Amanita muscaria", "mushroom"),
            ("Amanita muscaria", "death cap"),
            ("Amanita muscaria", "porcini"),
            ("Amanita", "fly agaric"),
            ("Amanita muscaria", "fly agaric"),
        ],
        return_explanations=True,
    )
    less, generic, sibling, other, more, same = (g["explanation"] for g in graded)
    assert [g["category"] for g in graded] == [
        "less specific", "generic", "wrong", "wrong", "more specific", "specific"
    ]  # fmt: skip
    assert less["tier"] == "taxonomy" and less["taxonomy"].startswith("mushrooms@")
    assert less["ground_truth_node"] == {"name": "Amanita muscaria", "rank": "species"}
    assert less["prediction_node"] == {"name": "Amanita", "rank": "genus"} and less["relation"] == "ancestor"
    assert less["text"] == (
        '"Amanita" (genus) is 1 level above "Amanita muscaria" (species); rank genus is a close rank (genus) '
        "-> less specific"
    )
    assert "rank None" not in generic["text"] and generic["text"].endswith("-> generic")
    assert '"fungus" is 2 levels above' in generic["text"]
    assert sibling["relation"] == "other branch" and 'they meet only at "Amanita" (genus)' in sibling["text"]
    assert 'meet only at "fungus"' in other["text"]
    assert more["relation"] == "descendant" and more["text"].endswith("-> more specific")
    assert same["relation"] == "same node"


def test_rule_and_judge_grades_and_ungraded_items_explain_themselves(server):
    graded = grade(
        server,
        [
            ("Amanita muscaria", "no idea, sorry"),
            ("Amanita muscaria", "fly agaric, death cap"),
            ("Amanita muscaria", "red toadstool"),
            ("Amanita muscaria", "Amanita phalloides (death cap)"),
        ],
        return_explanations=True,
        return_probabilities=True,
    )
    refusal, several, judged, one_name = graded
    assert refusal["category"] == "abstain" and refusal["explanation"]["tier"] == "rule"
    assert refusal["explanation"]["rule"] == refusal["reason"] == "refusal"
    # two names of two nodes: several options, with the options the rule matched
    assert several["category"] == "wrong" and "fly agaric" in several["explanation"]["text"]
    assert judged["source"] == "judge" and judged["explanation"]["tier"] == "judge"
    assert judged["explanation"]["judge"] == "j" and judged["explanation"]["prompt_version"] == "v1"
    assert judged["explanation"]["probabilities"] == judged["probabilities"]
    # one node's two names: one answer, read as that node, and a different species
    assert one_name["category"] == "wrong" and one_name["explanation"]["tier"] == "taxonomy"
    assert one_name["explanation"]["prediction_node"]["name"] == "Amanita phalloides"
    assert "read_as_one_name" in one_name["explanation"]
    without = grade(server, [("Amanita muscaria", "Amanita")])
    assert "explanation" not in without[0] or without[0]["explanation"] is None  # only on request


def test_an_ungraded_item_says_why(app_server, tmp_path):
    with app_server(Settings(data_dir=tmp_path / "data"), {}) as running, running.client() as http:
        items = [{"ground_truth": "dog", "prediction": "good boy"}]
        answer = http.post("/grade", json={"items": items, "return_explanations": True}).json()["grades"][0]
    assert answer["status"] == "no_judge" and answer["explanation"]["tier"] == "no_judge"
    assert "none is configured" in answer["explanation"]["text"]

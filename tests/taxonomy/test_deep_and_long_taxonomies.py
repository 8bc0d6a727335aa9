"""Taxonomy work is bounded by the answer, whatever the tree's depth, and names are bounded at
upload (issue 27). Work is counted as lines of taxonomy code executed (``sys.settrace``), never
timed: a 50,000-node chain must cost what a 50-node chain costs."""

import sys

import pytest

from verifier_service.grading import Category, GradeInput, Grader
from verifier_service.taxonomy import Taxonomy, TaxonomyError
from verifier_service.taxonomy import model as taxonomy_model


def chain(depth: int, *, overlaps: bool = False, ranked: bool = False) -> Taxonomy:
    nodes = [{"name": "n0"}]
    for i in range(1, depth):
        node = {"name": f"n{i}", "parent": f"n{i - 1}"}
        if ranked:
            node["rank"] = "genus" if i % 2 else "species"
        nodes.append(node)
    nodes += [{"name": "leaf a", "parent": f"n{depth - 1}"}, {"name": "leaf b", "parent": f"n{depth - 1}"}]
    if overlaps:
        nodes.append({"name": "other", "parent": "n0", "overlaps": ["n1"]})
    return Taxonomy.from_dict({"name": "chain", "nodes": nodes, "close_ranks": ["genus"] if ranked else []})


def lines_executed(call) -> int:
    count = 0
    files = {taxonomy_model.__file__}

    def tracer(frame, event, arg):
        nonlocal count
        if frame.f_code.co_filename in files:
            if event == "line":
                count += 1
            return tracer
        return None

    sys.settrace(tracer)
    try:
        call()
    finally:
        sys.settrace(None)
    return count


def answer_naming(depth: int, count: int) -> str:
    step = max(depth // count, 1)
    return " ".join(f"n{i}" for i in range(0, depth, step)[:count])


@pytest.mark.parametrize("overlaps", [False, True])
def test_categorising_costs_the_same_on_a_deep_chain(overlaps):
    shallow, deep = chain(50, overlaps=overlaps), chain(50_000, overlaps=overlaps)
    costs = {}
    for name, tree, depth in (("shallow", shallow, 50), ("deep", deep, 50_000)):
        answer = answer_naming(depth, 15) + " leaf b"
        costs[name] = lines_executed(
            lambda tree=tree, answer=answer: [
                tree.categorise("leaf a", answer),
                tree.categorise("leaf a", "n1"),
                tree.categorise("n1", "leaf a"),
                tree.categorise("leaf a", "leaf b"),
                tree.describe_lineage("leaf a"),
                tree.explain("leaf a"),
            ]
        )
    assert costs["deep"] <= costs["shallow"] * 1.5, costs


def test_relations_on_a_deep_chain_are_still_right():
    deep = chain(50_000, ranked=True)
    assert deep.categorise("leaf a", "leaf b") is Category.WRONG
    assert deep.categorise("leaf a", "n49999") is Category.LESS_SPECIFIC  # a genus
    assert deep.categorise("leaf a", "n2") is Category.GENERIC  # a species far up: not a close rank
    assert deep.categorise("n2", "leaf a") is Category.MORE_SPECIFIC
    assert deep.categorise("leaf a", "leaf a") is Category.SPECIFIC
    assert deep.categorise("leaf a", "n7 n9") is Category.LESS_SPECIFIC  # a genus named with its ancestor
    lineage = deep.describe_lineage("leaf a")
    assert lineage.startswith("leaf a < n49999 (genus) < n49998 (species)") and len(lineage) < 400


async def test_a_deep_chain_grades_64_items_with_bounded_work():
    deep = chain(50_000)
    grader = Grader(judges={}, taxonomies={"chain": deep})
    items = [GradeInput("leaf a", answer_naming(50_000, 15) + f" leaf b {i}", "chain") for i in range(64)]
    grades = (await grader.grade(items)).grades
    assert {g.category for g in grades} == {Category.WRONG}


def test_names_and_synonyms_are_bounded_at_upload():
    long = "word " * 60_000
    for nodes in (
        [{"name": "root"}, {"name": long, "parent": "root"}],
        [{"name": "root", "synonyms": [long]}],
    ):
        with pytest.raises(TaxonomyError, match="characters; the limit is 256"):
            Taxonomy.from_dict({"name": "t", "nodes": nodes}, max_term_chars=256)
    with pytest.raises(TaxonomyError, match="the limit is 256"):
        Taxonomy.from_dict(
            {"name": "t", "nodes": [{"name": "root"}], "groups": [{"name": long, "members": ["root"]}]},
            max_term_chars=256,
        )
    ok = Taxonomy.from_dict(
        {"name": "t", "nodes": [{"name": "root"}, {"name": "x" * 256, "parent": "root"}]}, max_term_chars=256
    )
    assert len(ok.nodes) == 2


def test_the_upload_limit_answers_422_with_the_limit(app_server, tmp_path):
    from support.fakes import ScriptedJudge

    from verifier_service.config import Settings

    body = {"name": "big", "nodes": [{"name": "root"}, {"name": "w " * 100_000, "parent": "root"}]}
    with app_server(Settings(data_dir=tmp_path / "d"), {"j": ScriptedJudge()}) as server, server.client() as http:
        answer = http.put("/taxonomies/big", json=body)
    assert answer.status_code == 422 and "the limit is 256" in answer.json()["detail"]

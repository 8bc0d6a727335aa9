"""``verifier taxonomy ...``, per-line taxonomies in ``grade-file``, bad taxonomy files in the
config, and ``evaluate-judge`` without a judge or on one split."""

import json
import re

import pytest
import yaml
from conftest import DATA
from support.fakes import ScriptedJudge
from typer.testing import CliRunner

from verifier_service.cli import app
from verifier_service.config import Settings

runner = CliRunner()

MUSHROOMS = {
    "name": "mushrooms",
    "close_ranks": ["genus"],
    "nodes": [
        {"name": "fungus", "synonyms": ["mushroom"]},
        {"name": "Amanita", "parent": "fungus", "rank": "genus"},
        {"name": "Amanita muscaria", "parent": "Amanita", "rank": "species", "synonyms": ["fly agaric"]},
    ],
}


@pytest.fixture
def files(tmp_path):
    good = tmp_path / "mushrooms.yaml"
    good.write_text(yaml.safe_dump(MUSHROOMS))
    bad = tmp_path / "bad.yaml"
    nodes = [*MUSHROOMS["nodes"], {"name": "Boletus edulis", "parent": "Boletuss"}]
    bad.write_text(yaml.safe_dump({**MUSHROOMS, "close_ranks": ["genra"], "nodes": nodes}))
    config = tmp_path / "config.yaml"
    config.write_text(f"data_dir: {tmp_path / 'data'}\n")
    return good, bad, config


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args], terminal_width=200)


def flat(output: str) -> str:
    """An error as one line: typer's box (wrapped at the terminal's width) taken away."""
    return " ".join(re.sub(r"[│╭╮╰╯─]", " ", output).split())


def test_the_life_cycle_in_process_on_the_configured_store(files):
    good, bad, config = files
    assert "'mushrooms', 3 nodes" in invoke("taxonomy", "check", good).output
    checked = invoke("taxonomy", "check", bad)
    assert checked.exit_code == 2
    lines = [line.strip() for line in checked.output.splitlines()]
    assert any(line.endswith("node 'Boletus edulis' has unknown parent 'Boletuss'") for line in lines)
    assert any("close_ranks names ranks no node has: ['genra']" in line for line in lines)

    assert invoke("taxonomy", "upload", good, "-c", config).output.strip() == "mushrooms: created"
    assert invoke("taxonomy", "upload", good, "-c", config).output.strip() == "mushrooms: unchanged"
    listed = invoke("taxonomy", "list", "-c", config).output
    row = next(line for line in listed.splitlines() if "mushrooms" in line)
    assert "uploaded" in row and "3" in row and "bundled" in listed
    found = json.loads(invoke("taxonomy", "lookup", "mushrooms", "fly agaric", "-c", config).stdout)
    assert found["node"] == "Amanita muscaria"
    shown = json.loads(invoke("taxonomy", "show", "mushrooms", "-c", config).stdout)
    assert shown["origin"] == "uploaded" and len(shown["nodes"]) == 3

    # what was uploaded in-process grades in-process (the same store), with its explanation
    graded = invoke("grade", "Amanita muscaria", "Amanita", "--taxonomy", "mushrooms", "-c", config)
    grade = json.loads(graded.stdout)
    assert grade["category"] == "less specific" and grade["explanation"]["relation"] == "ancestor"
    assert "grading in-process" in graded.stderr

    refused = invoke("taxonomy", "delete", "cub-200", "-c", config)
    assert refused.exit_code == 1 and "bundled taxonomy" in refused.output
    assert invoke("taxonomy", "delete", "mushrooms", "-c", config).exit_code == 0
    gone = invoke("taxonomy", "delete", "mushrooms", "-c", config)
    assert gone.exit_code == 1 and "no uploaded taxonomy named 'mushrooms'" in gone.output


def test_the_life_cycle_through_a_running_service(files, live_server, tmp_path):
    good, bad, _ = files
    with live_server(Settings(data_dir=tmp_path / "served")) as server:
        assert "would be created" in invoke("taxonomy", "check", good, "--url", server.url).output
        assert invoke("taxonomy", "upload", good, "--url", server.url).output.strip() == "mushrooms: created"
        assert "mushrooms" in invoke("taxonomy", "list", "--url", server.url).output
        lookup = json.loads(invoke("taxonomy", "lookup", "mushrooms", "Amanita", "--url", server.url).stdout)
        assert lookup["node"] == "Amanita"
        conflict = invoke("taxonomy", "delete", "food-101", "--url", server.url)
        assert conflict.exit_code == 1 and "bundled taxonomy" in conflict.output
        assert invoke("taxonomy", "delete", "mushrooms", "--url", server.url).exit_code == 0


@pytest.mark.parametrize("command", [["grade", "dog", "dog"], ["serve", "--port", "1"], ["taxonomy", "list"]])
def test_a_bad_taxonomy_file_in_the_config_stops_with_one_line_per_problem(files, tmp_path, command):
    _, bad, _ = files
    config = tmp_path / "bad-config.yaml"
    config.write_text(f"data_dir: {tmp_path / 'data'}\ntaxonomy_paths: [{bad}, {tmp_path / 'missing.yaml'}]\n")
    result = invoke(*command, "--config", config)
    assert result.exit_code == 2 and "Traceback" not in result.output
    problems = [line.strip() for line in result.output.splitlines() if line.startswith("  ")]
    assert len(problems) == 3, result.output
    assert problems[2] == f"{tmp_path / 'missing.yaml'}: no such file or directory"


def test_grade_file_honours_each_lines_taxonomy_and_says_why_items_failed(files, live_server, tmp_path):
    good, _, config = files
    invoke("taxonomy", "upload", good, "-c", config)
    rows = [
        {"id": 1, "ground_truth": "Amanita muscaria", "prediction": "Amanita", "taxonomy": "mushrooms"},
        {"id": 2, "ground_truth": "Golden winged Warbler", "prediction": "warbler", "taxonomy": "cub-200"},
        {"id": 3, "ground_truth": "dog", "prediction": "good boy"},
    ]
    source = tmp_path / "mixed.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "out.jsonl"
    result = invoke("grade-file", source, out, "-c", config, "--explain")
    assert result.exit_code == 0, result.output
    graded = [json.loads(line) for line in out.read_text().splitlines()]
    assert [g["category"] for g in graded] == ["less specific", "less specific", None]
    assert graded[0]["explanation"]["taxonomy"].startswith("mushrooms@")
    assert "2 graded, 1 not" in result.stderr and "1 x no_judge: this pair needs an LLM judge" in result.stderr

    with live_server(Settings(data_dir=tmp_path / "data"), {"j": ScriptedJudge()}) as server:
        over_http = invoke("grade-file", source, tmp_path / "http.jsonl", "--url", server.url)
    assert over_http.exit_code == 0, over_http.output
    through = [json.loads(line) for line in (tmp_path / "http.jsonl").read_text().splitlines()]
    assert [g["category"] for g in through[:2]] == ["less specific", "less specific"]


def test_evaluate_judge_without_a_judge_on_one_split(tmp_path):
    output = tmp_path / "report"
    result = invoke("evaluate-judge", DATA / "labelled_pairs.jsonl", "--no-judge", "--split", "dev", "--output", output)
    assert result.exit_code == 0, result.output
    report = json.loads(output.with_suffix(".json").read_text())
    dev = sum(json.loads(line)["split"] == "dev" for line in (DATA / "labelled_pairs.jsonl").open())
    assert report["overall"]["pairs"] == dev and 0 < report["overall"]["graded"] < dev
    assert report["tiers"]["unsettled"] == pytest.approx(1 - report["overall"]["graded"] / dev)
    assert "unsettled" in report["confusion"]["columns"] and report["overall"]["flips"] == 0
    assert "rules and taxonomies, no judge" in result.output
    missing = invoke("evaluate-judge", DATA / "labelled_pairs.jsonl", "--no-judge", "--split", "nope")
    assert missing.exit_code == 2 and "splits in the file: ['dev', 'test']" in flat(missing.output)
    both = invoke("evaluate-judge", DATA / "labelled_pairs.jsonl", "--no-judge", "--no-rules")
    assert both.exit_code == 2 and "--no-judge together leave nothing to grade with" in flat(both.output)

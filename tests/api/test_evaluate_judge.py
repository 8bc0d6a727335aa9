"""``verifier evaluate-judge``: the report's figures, the runner on both paths, and the command."""

import json
import math

import pytest
from conftest import DATA, SMOLLM2
from PIL import Image
from support.fakes import ScriptedJudge
from typer.testing import CliRunner

from verifier_service.cli import app
from verifier_service.config import Settings
from verifier_service.grading import Category
from verifier_service.judge_evaluation import (
    GradedPair,
    LabelledPair,
    calibration,
    grade_labelled,
    read_pairs,
    summarise,
)
from verifier_service.services import build_services


def graded(labelled, got, source="judge", confidence=None):
    return GradedPair(LabelledPair("t", "p", labelled, "d"), got, source, confidence)


def test_agreement_flips_confusion_and_tiers():
    report = summarise(
        [
            graded("specific", "specific", "rule"),
            graded("generic", "wrong", "taxonomy"),  # a flip
            graded("wrong", "less specific"),  # a flip
            graded("wrong", "abstain"),  # not a flip: abstain is neither correct nor wrong
            graded("abstain", None, None),  # an error
        ]
    )
    overall = report["overall"]
    assert overall == {"pairs": 5, "graded": 4, "agreement": 0.25, "flips": 2, "flip_rate": 0.5}
    assert report["confusion"]["counts"]["wrong"]["less specific"] == 1
    assert report["confusion"]["counts"]["abstain"]["error"] == 1
    assert report["tiers"] == {"judge": 0.4, "rule": 0.2, "taxonomy": 0.2, "error": 0.2}
    assert report["judge_tier"]["graded"] == 2 and len(report["flips"]) == 2


def test_calibration_is_the_expected_calibration_error():
    # two grades at 0.95 (one right), two at 0.55 (both right): |0.95-0.5|*0.5 + |0.55-1.0|*0.5
    rows = [
        graded("specific", "specific", confidence=0.95),
        graded("specific", "wrong", confidence=0.95),
        graded("generic", "generic", confidence=0.55),
        graded("wrong", "wrong", confidence=0.55),
    ]
    result = calibration(rows)
    assert math.isclose(result["ece"], 0.45)
    above = {row["threshold"]: row for row in result["above"]}
    assert above[0.5] == {"threshold": 0.5, "coverage": 1.0, "agreement": 0.75}
    assert above[0.9] == {"threshold": 0.9, "coverage": 0.5, "agreement": 0.5}


def test_read_pairs_names_the_bad_line(tmp_path):
    path = tmp_path / "pairs.jsonl"
    path.write_text('{"ground_truth": "a", "prediction": "b", "category": "specific"}\n{"ground_truth": "a"}\n')
    with pytest.raises(ValueError, match=r"pairs.jsonl:2: needs string fields"):
        read_pairs(path)
    path.write_text('{"ground_truth": "a", "prediction": "b", "category": "close"}\n')
    with pytest.raises(ValueError, match="category must be one of"):
        read_pairs(path)
    assert len(read_pairs(DATA / "labelled_pairs.jsonl")) >= 300


async def test_the_runner_grades_through_the_pipeline_or_the_judge_alone(tmp_path):
    judge = ScriptedJudge({("golden winged warbler", "songbird"): Category.GENERIC}, default=Category.WRONG)
    settings = Settings(data_dir=tmp_path, cache="none", audit=False, grade_memo_size=0)
    services = await build_services(settings, extra_judges={"j": judge})
    pairs = [
        LabelledPair("Golden winged Warbler", "warbler", "less specific", "cub-200", "cub-200"),
        LabelledPair("Golden winged Warbler", "I don't know", "abstain", "cub-200", "cub-200"),
        LabelledPair("dog", "canine friend", "generic", "general", None),
    ]
    try:
        full, _ = await grade_labelled(services, pairs, judge="j", no_rules=False)
        alone, escalated = await grade_labelled(services, pairs, judge="j", no_rules=True)
    finally:
        await services.aclose()
    assert [(g.category, g.source) for g in full] == [
        ("less specific", "taxonomy"),
        ("abstain", "rule"),
        ("wrong", "judge"),
    ]
    assert [(g.category, g.source) for g in alone] == [("wrong", "judge")] * 3 and escalated is None
    # the judge alone saw the normalised pair, with the taxonomy's lineage as context
    warbler = judge.calls[-1][0]
    assert (warbler.ground_truth, warbler.prediction) == ("golden winged warbler", "warbler")
    assert warbler.context.startswith("golden winged warbler (species) < vermivora (genus)")


@pytest.mark.slow
def test_the_command_with_the_real_smollm2_judge(tmp_path):
    pairs = tmp_path / "pairs.jsonl"
    rows = [
        {"ground_truth": "Golden winged Warbler", "prediction": "warbler", "category": "less specific",
         "taxonomy": "cub-200", "domain": "cub-200"},
        {"ground_truth": "samoyed", "prediction": "dog", "category": "generic", "taxonomy": "oxford-pets"},
        {"ground_truth": "lion", "prediction": "big cat", "category": "less specific"},
        {"ground_truth": "lion", "prediction": "no idea", "category": "abstain"},
    ]  # fmt: skip
    pairs.write_text("".join(json.dumps(r) + "\n" for r in rows))
    config = tmp_path / "config.yaml"
    judges = f"judges:\n  smollm2:\n    kind: transformers\n    model: {SMOLLM2}\n"
    config.write_text(f"data_dir: {tmp_path / 'data'}\n{judges}")
    result = CliRunner().invoke(
        app, ["evaluate-judge", str(pairs), "--config", str(config), "--output", str(tmp_path / "report")]
    )
    assert result.exit_code == 0, result.output
    assert "pairs 4, graded 4" in result.output and "settled by:" in result.output
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["overall"]["graded"] == 4 and report["tiers"]["judge"] == 0.25  # "big cat" needs the judge
    assert report["calibration"]["pairs"] == 1  # the judge returned its probabilities
    assert Image.open(tmp_path / "report.png").format == "PNG"
    alone = CliRunner().invoke(
        app, ["evaluate-judge", str(pairs), "--config", str(config), "--no-rules", "--output", str(tmp_path / "a")]
    )
    assert alone.exit_code == 0 and json.loads((tmp_path / "a.json").read_text())["tiers"] == {"judge": 1.0}


async def test_corrections_in_the_store_are_left_out_unless_asked_for(asgi_server, tmp_path):
    """Issue 33, finding 9: on a store holding corrections, evaluate-judge scored the corrected pairs
    against themselves (100%). They are left out by default now, and the report says so."""
    import asyncio

    data = tmp_path / "data"
    async with asgi_server(Settings(data_dir=data), {"j": ScriptedJudge()}) as server, server.client() as http:
        made = await http.post(
            "/corrections", json={"ground_truth": "sushi", "prediction": "Japanese food", "category": "generic"}
        )
        assert made.status_code == 201, made.text
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text(json.dumps({"ground_truth": "sushi", "prediction": "Japanese food", "category": "generic"}) + "\n")
    config = tmp_path / "config.yaml"
    config.write_text(f"data_dir: {data}\n")

    def run(*extra):
        args = ["evaluate-judge", str(pairs), "--config", str(config), "--no-judge", "--output", str(tmp_path / "r")]
        result = CliRunner().invoke(app, [*args, *extra])
        assert result.exit_code == 0, result.output
        return result.output, json.loads((tmp_path / "r.json").read_text())

    output, report = await asyncio.to_thread(run)
    assert "human corrections: 1 active in the store, left out (--with-corrections applies them)" in output
    assert report["overall"]["graded"] == 0 and report["corrections"] == {"active_in_store": 1, "applied": False}
    output, report = await asyncio.to_thread(run, "--with-corrections")
    assert "human corrections: 1 active in the store, applied" in output
    assert report["overall"]["graded"] == 1 and report["tiers"] == {"human": 1.0}


def test_run_where_there_is_no_store_it_says_so_and_leaves_nothing_behind(tmp_path, monkeypatch):
    """Issue 34, friction 7: run outside the repo, evaluate-judge read an empty store under the
    current directory, said only "unknown taxonomy", and left an empty .verifier-data there."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("VERIFIER_DATA_DIR", raising=False)
    monkeypatch.delenv("VERIFIER_CONFIG_FILE", raising=False)
    pairs = tmp_path / "pairs.jsonl"
    row = {"ground_truth": "a", "prediction": "b", "category": "wrong", "taxonomy": "mine"}
    pairs.write_text(json.dumps(row) + "\n")
    result = CliRunner().invoke(app, ["evaluate-judge", str(pairs), "--no-judge", "--output", str(tmp_path / "r")])
    assert result.exit_code == 2
    assert "unknown taxonomy 'mine'" in result.output and "no store at .verifier-data" in result.output
    assert not (tmp_path / ".verifier-data").exists()


def test_through_a_running_service_with_its_uploaded_taxonomy(live_server, tmp_path, monkeypatch):
    """Issue 34, item 5: ``--url`` measures what a running service grades: its uploads, its judge,
    its corrections; the in-process-only options are refused with the reason."""
    monkeypatch.chdir(tmp_path)
    key = "evaluate-over-http-key-0123456789"
    taxonomy = {"name": "mine", "nodes": [{"name": "bird"}, {"name": "zorblax", "parent": "bird"}]}
    rows = [
        {"ground_truth": "zorblax", "prediction": "bird", "category": "less specific", "taxonomy": "mine"},
        {"ground_truth": "zorblax", "prediction": "quux", "category": "wrong", "taxonomy": "mine"},
        {"ground_truth": "zorblax", "prediction": "I don't know", "category": "abstain", "taxonomy": "mine"},
    ]
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text("".join(json.dumps(r) + "\n" for r in rows))
    judge = ScriptedJudge({("zorblax", "quux"): Category.WRONG})
    with live_server(Settings(data_dir=tmp_path / "svc", api_keys=[key]), {"j": judge}) as server:
        with server.client() as http:
            http.headers["Authorization"] = f"Bearer {key}"
            assert http.put("/taxonomies/mine", json=taxonomy).status_code == 201
        args = ["evaluate-judge", str(pairs), "--url", server.url, "--api-key", key, "--output", str(tmp_path / "r")]
        result = CliRunner().invoke(app, args)
        refused = CliRunner().invoke(app, [*args, "--no-judge"])
    assert result.exit_code == 0, result.output
    assert "evaluating through http://127.0.0.1" in result.output
    assert "pairs 3, graded 3; agreement 100.0%" in result.output
    assert "left to the judge by the exact tiers, by reason: unknown prediction 1" in result.output
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["service"] == server.url and report["tiers"] == {"taxonomy": 1 / 3, "judge": 1 / 3, "rule": 1 / 3}
    assert refused.exit_code == 2 and "for in-process runs" in refused.output
    assert not (tmp_path / ".verifier-data").exists()

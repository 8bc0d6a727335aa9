import json

from support.fakes import ScriptedJudge
from typer.testing import CliRunner

from verifier_service.cli import app
from verifier_service.config import Settings
from verifier_service.grading import Category

runner = CliRunner()


def test_grade_in_process_with_rules(tmp_path, monkeypatch):
    monkeypatch.setenv("VERIFIER_DATA_DIR", str(tmp_path))
    result = runner.invoke(app, ["grade", "Golden-winged Warbler", "I don't know"])
    assert result.exit_code == 0, result.output
    grade = json.loads(result.stdout)
    assert (grade["category"], grade["source"], grade["status"]) == ("abstain", "rule", "ok")


def test_grade_in_process_without_judge_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv("VERIFIER_DATA_DIR", str(tmp_path))
    grade = json.loads(runner.invoke(app, ["grade", "dog", "samoyed"]).stdout)
    assert grade["status"] == "no_judge" and grade["category"] is None


def test_grade_file_through_a_server(live_server, tmp_path):
    source = tmp_path / "in.jsonl"
    rows = [
        {"id": 1, "ground_truth": "dog", "prediction": "samoyed"},
        {"id": 2, "ground_truth": "dog", "prediction": "none"},
        {"id": 3, "ground_truth": "dog", "prediction": "Dog"},
    ]
    source.write_text("\n".join(json.dumps(r) for r in rows) + "\n\n")
    out = tmp_path / "out.jsonl"
    judge = ScriptedJudge({("dog", "samoyed"): Category.MORE_SPECIFIC})
    with live_server(Settings(data_dir=tmp_path / "data"), {"j": judge}) as server:
        result = runner.invoke(app, ["grade-file", str(source), str(out), "--url", server.url, "--batch-size", "2"])
    assert result.exit_code == 0, result.output
    grades = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(g["id"], g["category"]) for g in grades] == [(1, "more specific"), (2, "abstain"), (3, "specific")]
    # each line carries its pair (issue 34: joining on line order alone was fragile)
    pairs = [(g["ground_truth"], g["prediction"]) for g in grades]
    assert pairs == [(r["ground_truth"], r["prediction"]) for r in rows]
    assert len(judge.calls) == 1


def test_grade_file_rejects_bad_lines(tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text('{"ground_truth": "dog"}\n')
    result = runner.invoke(app, ["grade-file", str(source), str(tmp_path / "out.jsonl")])
    assert result.exit_code != 0 and "needs string fields" in result.output


def test_bad_config_file_is_a_clear_error(tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text("judges: {}\ndefault_judge: missing\n")
    result = runner.invoke(app, ["grade", "--config", str(config), "dog", "dog"])
    assert result.exit_code != 0 and "default_judge 'missing'" in result.output
    result = runner.invoke(app, ["grade", "--config", str(tmp_path / "nope.yaml"), "dog", "dog"])
    assert result.exit_code != 0 and "config file not found" in result.output

import csv
import io
import json

from PIL import Image
from support.fakes import ScriptedJudge
from typer.testing import CliRunner

from trainer_client.cli import app
from trainer_client.data import PROMPT, clean_folder_label
from trainer_client.train import load_prepared_dataset
from verifier_service.config import Settings
from verifier_service.grading import Category

runner = CliRunner()


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (1, 1), "white").save(buffer, format="PNG")
    return buffer.getvalue()


PNG = png_bytes()


def test_prepare_data_from_class_folders(tmp_path):
    root = tmp_path / "images"
    for folder, files in {"001.Black_footed_Albatross": ["a.jpg", "b.png"], "002.Laysan_Albatross": ["c.jpg"]}.items():
        (root / folder).mkdir(parents=True)
        for name in files:
            (root / folder / name).write_bytes(PNG)
    (root / "002.Laysan_Albatross" / "notes.txt").write_text("not an image")
    out = tmp_path / "train.jsonl"
    result = runner.invoke(app, ["prepare-data", str(root), str(out), "--dataset", "cub"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["ground_truth"] for r in rows] == ["Black footed Albatross"] * 2 + ["Laysan Albatross"]
    assert rows[0]["prompt"] == [{"role": "user", "content": PROMPT}] and "<answer>" in PROMPT and "None" in PROMPT
    assert len({r["sample_id"] for r in rows}) == 3
    again = tmp_path / "again.jsonl"
    runner.invoke(app, ["prepare-data", str(root), str(again), "--dataset", "cub"])
    assert [json.loads(line)["sample_id"] for line in again.read_text().splitlines()] == [r["sample_id"] for r in rows]
    dataset = load_prepared_dataset(out)
    assert dataset[0]["image"].size == (1, 1)  # decoded as an image, as TRL expects
    # OpenRLHF's label (--data.label_key openrlhf_label): the sample's identity, and an eval split's n
    assert rows[0]["openrlhf_label"] == {"ground_truth": "Black footed Albatross", "sample_id": rows[0]["sample_id"]}
    evaluation = tmp_path / "eval.jsonl"
    result = runner.invoke(app, ["prepare-data", str(root), str(evaluation), "--dataset", "cub", "--group-size", "4"])
    assert result.exit_code == 0, result.output
    assert {json.loads(line)["openrlhf_label"]["group_size"] for line in evaluation.read_text().splitlines()} == {4}
    refused = runner.invoke(app, ["prepare-data", str(root), str(evaluation), "--group-size", "0"])
    assert refused.exit_code != 0 and "group_size must be 1..1024" in refused.output


def test_prepare_data_from_csv_and_errors(tmp_path):
    (tmp_path / "img.png").write_bytes(PNG)
    table = tmp_path / "labels.csv"
    table.write_text("path,name\nimg.png,Samoyed\n")
    out = tmp_path / "out.jsonl"
    result = runner.invoke(
        app, ["prepare-data", str(table), str(out), "--image-column", "path", "--label-column", "name"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["ground_truth"] == "Samoyed"
    table.write_text("path,name\nmissing.png,Samoyed\n")
    result = runner.invoke(
        app, ["prepare-data", str(table), str(out), "--image-column", "path", "--label-column", "name"]
    )
    assert result.exit_code != 0 and "image not found" in result.output
    assert clean_folder_label("113.Baird_Sparrow") == "Baird Sparrow" and clean_folder_label("samoyed") == "samoyed"


def test_evaluate_reports_shares_score_and_best_of_n(live_server, tmp_path):
    lines = [
        {"sample_id": 1, "dataset": "birds", "ground_truth": "warbler", "completion": "<answer>warbler</answer>"},
        {"sample_id": 1, "dataset": "birds", "ground_truth": "warbler", "completion": "no tags"},
        {"sample_id": 2, "dataset": "birds", "ground_truth": "robin", "prediction": "none"},
        {"sample_id": 2, "dataset": "birds", "ground_truth": "robin", "prediction": "thrush"},
        {"sample_id": 3, "dataset": "dogs", "ground_truth": "dog", "prediction": "samoyed"},
        {"sample_id": 3, "dataset": "dogs", "ground_truth": "dog", "prediction": "broken"},
    ]
    source = tmp_path / "preds.jsonl"
    source.write_text("\n".join(json.dumps(line) for line in lines))
    judge = ScriptedJudge({("dog", "samoyed"): Category.MORE_SPECIFIC}, fail_pairs=frozenset({("dog", "broken")}))
    with live_server(Settings(data_dir=tmp_path / "data"), {"j": judge}) as server:
        result = runner.invoke(
            app, ["evaluate", str(source), "--verifier-url", server.url, "--output", str(tmp_path / "rep")]
        )
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "rep.json").read_text())
    rows = {(r["dataset"], r["view"]): r for r in report}
    birds = rows[("birds", "all predictions")]
    assert (
        birds["specific"] == 25.0
        and birds["unparseable"] == 25.0
        and birds["abstain"] == 25.0
        and birds["wrong"] == 25.0
    )
    assert birds["weighted_score"] == (1 - 1 + 0 - 1) / 4
    assert rows[("birds", "best of N")]["specific"] == 50.0 and rows[("birds", "best of N")]["abstain"] == 50.0
    dogs = rows[("dogs", "all predictions")]
    assert dogs["error"] == 50.0 and dogs["errors"] == 1 and dogs["weighted_score"] == 1.0
    assert rows[("overall", "all predictions")]["count"] == 6
    with (tmp_path / "rep.csv").open() as fh:
        assert len(list(csv.DictReader(fh))) == len(report)
    assert "weighted_score" in result.output or "Evaluation" in result.output


def test_evaluate_unreachable_service_is_a_clear_error(tmp_path):
    source = tmp_path / "preds.jsonl"
    source.write_text(json.dumps({"ground_truth": "dog", "prediction": "dog"}))
    result = runner.invoke(app, ["evaluate", str(source), "--verifier-url", "http://127.0.0.1:9", "--retry-for", "1"])
    assert result.exit_code != 0 and "cannot reach the verifier" in result.output


def test_evaluate_a_mixed_file_with_each_lines_taxonomy_and_no_judge(live_server, tmp_path):
    lines = [
        {"sample_id": 1, "dataset": "birds", "taxonomy": "cub-200", "ground_truth": "Golden winged Warbler",
         "prediction": "warbler"},
        {"sample_id": 1, "dataset": "birds", "taxonomy": "cub-200", "ground_truth": "Golden winged Warbler",
         "prediction": "a yellowish songbird"},
        {"sample_id": 2, "dataset": "pets", "taxonomy": "oxford-pets", "ground_truth": "samoyed",
         "prediction": "dog"},
        {"sample_id": 2, "dataset": "pets", "taxonomy": "oxford-pets", "ground_truth": "samoyed",
         "completion": "no answer tag"},
    ]  # fmt: skip
    source = tmp_path / "mixed.jsonl"
    source.write_text("\n".join(json.dumps(line) for line in lines))
    with live_server(Settings(data_dir=tmp_path / "data")) as server:  # no judge configured
        result = runner.invoke(
            app,
            ["evaluate", str(source), "--verifier-url", server.url, "--output", str(tmp_path / "rep")],
            env={"COLUMNS": "80"},
        )
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in (tmp_path / "rep.rows.jsonl").read_text().splitlines()]
    assert [r["category"] for r in rows] == ["less specific", "error", "generic", "unparseable"]
    assert rows[1]["error"].startswith("no_judge: this pair needs an LLM judge")
    assert rows[3]["answer"] is None and rows[0]["source"] == "taxonomy"
    report = {(r["dataset"], r["view"]): r for r in json.loads((tmp_path / "rep.json").read_text())}
    # birds: one graded (less specific) and one ungraded that might have been better: left out
    assert report[("birds", "best of N")]["errors"] == 1 and report[("birds", "best of N")]["weighted_score"] is None
    assert report[("pets", "best of N")]["generic"] == 100.0
    assert "1 predictions were not graded" in result.output and "1 x no_judge" in result.output
    # at 80 columns the table is not cut: every category's name is printed whole
    for category in ("more specific", "less specific", "unparseable", "weighted score"):
        assert category in result.output
    assert "…" not in result.output

"""``trainer-client`` (also ``python -m trainer_client``): prepare data, train, evaluate."""

from __future__ import annotations

import asyncio
import csv
import json
from collections import defaultdict
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from trainer_client.charts import write_category_chart
from trainer_client.client import VerifierClient, VerifierError
from trainer_client.evaluation import REPORT_CATEGORIES, best_of_n, score
from trainer_client.extraction import extract_answer
from trainer_client.protocol import ERROR, UNPARSEABLE

app = typer.Typer(help="GRPO training and evaluation with the specificity-aware verifier.", no_args_is_help=True)
console = Console(stderr=True)


@app.command("prepare-data")
def prepare_data(
    source: Annotated[Path, typer.Argument(exists=True, help="A folder per class, or a CSV/JSONL of image and label")],
    output: Annotated[Path, typer.Argument(help="The GRPO dataset to write (JSONL)")],
    dataset: Annotated[str | None, typer.Option(help="Dataset name (default: the source's name)")] = None,
    clean_names: Annotated[bool, typer.Option(help="'001.Black_footed_Albatross' -> 'Black footed Albatross'")] = True,
    image_column: str = "image",
    label_column: str = "label",
) -> None:
    """Turn an image dataset on disk into a GRPO dataset with the method's prompt."""
    from trainer_client.data import prepare_dataset

    try:
        count = prepare_dataset(
            source,
            output,
            dataset=dataset,
            clean_names=clean_names,
            image_column=image_column,
            label_column=label_column,
        )
    except (ValueError, FileNotFoundError) as exc:
        raise typer.BadParameter(str(exc)) from None
    console.print(f"wrote {count} examples to {output}")


@app.command()
def train(
    config: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="YAML training config (see README)")],
    verifier_url: Annotated[str | None, typer.Option(help="Overrides the config's verifier_url")] = None,
    output_dir: Annotated[Path | None, typer.Option(help="Overrides the config's output_dir")] = None,
    dataset: Annotated[Path | None, typer.Option(help="Overrides the config's dataset (from prepare-data)")] = None,
) -> None:
    """GRPO training with the specificity reward; every graded rollout goes to <output_dir>/rollouts.jsonl."""
    from trainer_client.train import build_trainer, load_train_config, write_run_summary

    try:
        settings = load_train_config(config, verifier_url=verifier_url, output_dir=output_dir, dataset=dataset)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    trainer = build_trainer(settings)
    trainer.train()
    trainer.save_model(str(settings.output_dir / "final"))
    console.print(f"done; summary in {write_run_summary(trainer, settings)}")


def _read_predictions(path: Path) -> list[dict[str, Any]]:
    rows = []
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            row = json.loads(line)
            if not isinstance(row, dict) or not isinstance(row.get("ground_truth"), str):
                raise typer.BadParameter(f"{path}:{number}: needs a string ground_truth")
            if not isinstance(row.get("prediction"), str) and not isinstance(row.get("completion"), str):
                raise typer.BadParameter(f"{path}:{number}: needs a string prediction or completion")
            rows.append(row)
    return rows


async def _grade_rows(
    rows: list[dict[str, Any]], client: VerifierClient, taxonomy, judge, chunk: int, lenient: bool = False
) -> list[str]:
    answers = [
        extract_answer(r["completion"], lenient=lenient)
        if isinstance(r.get("completion"), str)
        else r["prediction"].strip() or None
        for r in rows
    ]
    categories = [UNPARSEABLE] * len(rows)
    todo = [i for i, a in enumerate(answers) if a is not None]
    async with client:
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("grading", total=len(todo))
            for start in range(0, len(todo), chunk):
                part = todo[start : start + chunk]
                grades = await client.grade(
                    [(rows[i]["ground_truth"], answers[i]) for i in part], taxonomy=taxonomy, judge=judge
                )
                for i, grade in zip(part, grades, strict=True):
                    categories[i] = grade.category if grade.ok else ERROR
                progress.advance(task, len(part))
    return categories


def evaluation_report(rows: list[dict[str, Any]], categories: list[str]) -> list[dict[str, Any]]:
    """Per dataset (and overall): shares over all predictions, and over the best of N per sample."""
    by_dataset: dict[str, list[int]] = defaultdict(list)
    for index, row in enumerate(rows):
        by_dataset[str(row.get("dataset", "all"))].append(index)
    if len(by_dataset) > 1:
        by_dataset["overall"] = list(range(len(rows)))
    report = []
    for name, indexes in by_dataset.items():
        cats = [categories[i] for i in indexes]
        samples = [rows[i].get("sample_id", i) for i in indexes]
        report.append({"dataset": name, "view": "all predictions", **score(cats).as_row()})
        if len(set(samples)) < len(samples):
            report.append({"dataset": name, "view": "best of N", **score(best_of_n(cats, samples)).as_row()})
    return report


@app.command()
def evaluate(
    predictions: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="JSONL of predictions")],
    output: Annotated[Path, typer.Option(help="Prefix of the report files (.json, .csv and .png)")] = Path(
        "evaluation"
    ),
    verifier_url: Annotated[str, typer.Option(help="Base URL of the verifier")] = "http://127.0.0.1:8000",
    taxonomy: Annotated[str | None, typer.Option(help="Taxonomy to grade with")] = None,
    judge: Annotated[str | None, typer.Option(help="Judge to grade with")] = None,
    chunk: Annotated[int, typer.Option(min=1, help="Predictions per request")] = 2048,
    retry_for: Annotated[float, typer.Option(help="Seconds to keep retrying an unreachable verifier")] = 300.0,
    api_key: Annotated[str | None, typer.Option(envvar="VERIFIER_API_KEY", help="API key of the verifier")] = None,
    lenient_extraction: Annotated[
        bool, typer.Option(help="Read <answer> tags loosely (any case, spaces); the method reads them exactly")
    ] = False,
) -> None:
    """Grade predictions and report category shares, the weighted score and best-of-N.

    Each line: {"ground_truth", "prediction" or "completion", "sample_id"?, "dataset"?}. Several
    lines with one sample_id are several predictions for that sample (best-of-N). A
    "completion" is the model's full output; its first <answer> tag is graded.
    """
    rows = _read_predictions(predictions)
    try:
        categories = asyncio.run(
            _grade_rows(
                rows,
                VerifierClient(verifier_url, retry_for=retry_for, api_key=api_key),
                taxonomy,
                judge,
                chunk,
                lenient_extraction,
            )
        )
    except VerifierError as exc:
        raise typer.BadParameter(str(exc)) from None
    report = evaluation_report(rows, categories)

    output.parent.mkdir(parents=True, exist_ok=True)
    json_path, csv_path, png_path = (output.with_suffix(suffix) for suffix in (".json", ".csv", ".png"))
    json_path.write_text(json.dumps(report, indent=2))
    with csv_path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(report[0]))
        writer.writeheader()
        writer.writerows(report)
    write_category_chart(report, png_path, title=f"Category shares: {predictions.name}")

    table = Table(title=f"Evaluation of {predictions.name}")
    for column in ["dataset", "view", "count", *REPORT_CATEGORIES, "weighted_score"]:
        table.add_column(column, justify="left" if column in ("dataset", "view") else "right")
    for row in report:
        score_text = "n/a" if row["weighted_score"] is None else f"{row['weighted_score']:.3f}"
        table.add_row(
            row["dataset"], row["view"], str(row["count"]), *(f"{row[c]:.1f}%" for c in REPORT_CATEGORIES), score_text
        )
    Console().print(table)
    console.print(f"wrote {json_path}, {csv_path} and {png_path}")


def main() -> None:
    app()

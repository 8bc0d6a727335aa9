"""``trainer-client`` (also ``python -m trainer_client``): prepare data, train, evaluate."""

from __future__ import annotations

import asyncio
import csv
import json
from collections import Counter, defaultdict
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

app = typer.Typer(
    help="GRPO training and evaluation with the specificity-aware verifier.",
    no_args_is_help=True,
    rich_markup_mode=None,  # click's help wraps at the terminal's width; rich's cuts option names
)
console = Console(stderr=True)


@app.command("prepare-data")
def prepare_data(
    source: Annotated[Path, typer.Argument(exists=True, help="A folder per class, or a CSV/JSONL of image and label")],
    output: Annotated[Path, typer.Argument(help="The GRPO dataset to write (JSONL)")],
    dataset: Annotated[str | None, typer.Option(help="Dataset name (default: the source's name)")] = None,
    clean_names: Annotated[bool, typer.Option(help="'001.Black_footed_Albatross' -> 'Black footed Albatross'")] = True,
    image_column: str = "image",
    label_column: str = "label",
    group_size: Annotated[
        int | None,
        typer.Option(help="Rollouts per sample for OpenRLHF's remote URL (an eval split: --eval.n_samples_per_prompt)"),
    ] = None,
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
            group_size=group_size,
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
) -> list[dict[str, Any]]:
    """Each row's outcome: the answer read from it, its category, and for an ungraded one the error."""
    answers = [
        extract_answer(r["completion"], lenient=lenient)
        if isinstance(r.get("completion"), str)
        else r["prediction"].strip() or None
        for r in rows
    ]
    outcomes: list[dict[str, Any]] = [
        {"answer": a, "category": UNPARSEABLE, "source": None, "error": None} for a in answers
    ]
    todo = [i for i, a in enumerate(answers) if a is not None]
    async with client:
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("grading", total=len(todo))
            for start in range(0, len(todo), chunk):
                part = todo[start : start + chunk]
                grades = await client.grade(
                    [(rows[i]["ground_truth"], answers[i]) for i in part],
                    taxonomy=taxonomy,
                    item_taxonomies=[rows[i].get("taxonomy") for i in part],  # a line's own taxonomy wins
                    judge=judge,
                )
                for i, grade in zip(part, grades, strict=True):
                    outcomes[i].update(
                        category=grade.category if grade.ok else ERROR,
                        source=grade.source,
                        error=None if grade.ok else f"{grade.status}: {grade.error}",
                    )
                progress.advance(task, len(part))
    return outcomes


def _why_ungraded(outcomes: list[dict[str, Any]]) -> list[str]:
    reasons = Counter(o["error"] for o in outcomes if o["error"])
    return [f"{count} x {reason}" for reason, count in reasons.most_common(5)]


def _report_tables(report: list[dict[str, Any]], title: str, width: int) -> list[Table]:
    """Categories down, one column per (dataset, view), as many tables as the terminal's width needs:
    a name or a number is never cut."""
    label_width = max(len("weighted score"), *(len(c) for c in REPORT_CATEGORIES))
    cell = max(9, *(len(str(row["dataset"])) for row in report)) + 3  # content and borders
    per_table = max(1, (width - label_width - 4) // cell)
    tables = []
    for start in range(0, len(report), per_table):
        part = report[start : start + per_table]
        table = Table(title=title if start == 0 else None)
        table.add_column("", no_wrap=True, min_width=label_width)
        for row in part:
            view = "all" if row["view"] == "all predictions" else row["view"]
            table.add_column(f"{row['dataset']}\n{view}", justify="right", no_wrap=True)
        table.add_row("count", *(str(row["count"]) for row in part))
        for category in REPORT_CATEGORIES:
            table.add_row(category, *(f"{row[category]:.1f}%" for row in part))
        scores = ("n/a" if r["weighted_score"] is None else f"{r['weighted_score']:.3f}" for r in part)
        table.add_row("weighted score", *scores)
        tables.append(table)
    return tables


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

    Each line: {"ground_truth", "prediction" or "completion", "sample_id"?, "dataset"?,
    "taxonomy"?}. Several lines with one sample_id are several predictions for that sample
    (best-of-N). A "completion" is the model's full output; its first <answer> tag is graded.
    A line's own taxonomy wins over --taxonomy. Every line's outcome goes to <output>.rows.jsonl.
    """
    rows = _read_predictions(predictions)
    try:
        outcomes = asyncio.run(
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
    categories = [o["category"] for o in outcomes]
    report = evaluation_report(rows, categories)

    output.parent.mkdir(parents=True, exist_ok=True)
    json_path, csv_path, png_path = (output.with_suffix(suffix) for suffix in (".json", ".csv", ".png"))
    rows_path = output.with_suffix(".rows.jsonl")
    with rows_path.open("w", encoding="utf-8") as fh:
        for row, outcome in zip(rows, outcomes, strict=True):
            fh.write(json.dumps({**row, **outcome}, ensure_ascii=False) + "\n")
    json_path.write_text(json.dumps(report, indent=2))
    with csv_path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(report[0]))
        writer.writeheader()
        writer.writerows(report)
    write_category_chart(report, png_path, title=f"Category shares: {predictions.name}")

    out = Console()
    for table in _report_tables(report, f"Evaluation of {predictions.name}", out.width):
        out.print(table)
    ungraded = _why_ungraded(outcomes)
    if ungraded:
        console.print(f"{sum(o['error'] is not None for o in outcomes)} predictions were not graded:")
        for line in ungraded:
            console.print(f"  {line}", markup=False)
    console.print(f"wrote {json_path}, {csv_path}, {png_path} and {rows_path}")


def main() -> None:
    app()

"""The ``verifier`` command line: serve the API, or grade pairs in-process or through a server."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from verifier_service.config import Settings, load_settings

app = typer.Typer(help="Specificity-aware verifier for open-world classifiers.", no_args_is_help=True)

ConfigOption = Annotated[
    Path | None, typer.Option("--config", "-c", help="YAML settings file (env: VERIFIER_CONFIG_FILE).")
]
UrlOption = Annotated[
    str | None, typer.Option(help="Grade through a running service at this base URL instead of in-process.")
]
ApiKeyOption = Annotated[
    str | None, typer.Option(envvar="VERIFIER_API_KEY", help="API key for --url (env: VERIFIER_API_KEY).")
]
TaxonomyOption = Annotated[str | None, typer.Option(help="Name of a loaded taxonomy.")]
JudgeOption = Annotated[str | None, typer.Option(help="Name of a configured judge (default: the default judge).")]


def _settings(config: Path | None, **overrides: Any) -> Settings:
    try:
        return load_settings(config, **{k: v for k, v in overrides.items() if v is not None})
    except (FileNotFoundError, ValueError) as exc:
        raise typer.BadParameter(str(exc)) from None


@app.command()
def serve(
    config: ConfigOption = None,
    host: Annotated[str | None, typer.Option(help="Interface to listen on (env: VERIFIER_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (env: VERIFIER_PORT).")] = None,
) -> None:
    """Run the HTTP service."""
    from verifier_service.app import create_app
    from verifier_service.server import serve as run_server

    settings = _settings(config, host=host, port=port)
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        app = create_app(settings)
    except (FileNotFoundError, ValueError) as exc:
        raise typer.BadParameter(str(exc)) from None
    run_server(app, settings)


Batches = list[list[dict[str, Any]]]


async def _grade_in_process(settings: Settings, batches: Batches, taxonomy, judge, progress) -> Batches:
    from verifier_service.api.encode import grade_fields
    from verifier_service.grading import GradeInput, InvalidRequest
    from verifier_service.services import build_services

    services = await build_services(settings.model_copy(update={"audit": False}))
    results = []
    try:
        for batch in batches:
            inputs = [GradeInput(row["ground_truth"], row["prediction"]) for row in batch]
            try:
                result = await services.grader.grade(inputs, taxonomy=taxonomy, judge=judge)
            except InvalidRequest as exc:
                raise typer.BadParameter(str(exc)) from None
            results.append(
                [{"id": r.get("id"), **grade_fields(g, True)} for g, r in zip(result.grades, batch, strict=True)]
            )
            progress(len(batch))
    finally:
        await services.aclose()
    return results


def _grade_over_http(url: str, batches: Batches, taxonomy, judge, progress, api_key: str | None = None) -> Batches:
    import httpx

    results = []
    headers = {"authorization": f"Bearer {api_key}"} if api_key else {}
    with httpx.Client(base_url=url, timeout=600, headers=headers) as client:
        for batch in batches:
            items = [{k: row[k] for k in ("ground_truth", "prediction", "id") if k in row} for row in batch]
            body = {"items": items, "taxonomy": taxonomy, "judge": judge, "return_probabilities": True}
            response = client.post("/grade", json=body)
            if response.status_code != 200:
                raise typer.BadParameter(f"service answered {response.status_code}: {response.text}")
            results.append(response.json()["grades"])
            progress(len(batch))
    return results


def _grade_batches(
    config: Path | None, url: str | None, batches: Batches, taxonomy, judge, progress, api_key: str | None = None
) -> Batches:
    if url:
        return _grade_over_http(url, batches, taxonomy, judge, progress, api_key)
    return asyncio.run(_grade_in_process(_settings(config), batches, taxonomy, judge, progress))


@app.command()
def grade(
    ground_truth: str,
    prediction: str,
    config: ConfigOption = None,
    url: UrlOption = None,
    taxonomy: TaxonomyOption = None,
    judge: JudgeOption = None,
    api_key: ApiKeyOption = None,
) -> None:
    """Grade one pair and print the grade as JSON."""
    batches = [[{"ground_truth": ground_truth, "prediction": prediction}]]
    result = _grade_batches(config, url, batches, taxonomy, judge, progress=lambda n: None, api_key=api_key)
    typer.echo(json.dumps(result[0][0], indent=2))


def _read_pairs(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        for line_number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise typer.BadParameter(f"{path}:{line_number}: not JSON: {exc}") from None
            if (
                not isinstance(row, dict)
                or not isinstance(row.get("ground_truth"), str)
                or not isinstance(row.get("prediction"), str)
            ):
                raise typer.BadParameter(f"{path}:{line_number}: needs string fields ground_truth and prediction")
            yield row


@app.command("grade-file")
def grade_file(
    input: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="JSONL of {ground_truth, prediction, id?}")
    ],
    output: Annotated[Path, typer.Argument(dir_okay=False, help="JSONL of grades, one per input line, in order")],
    config: ConfigOption = None,
    url: UrlOption = None,
    taxonomy: TaxonomyOption = None,
    judge: JudgeOption = None,
    batch_size: Annotated[int, typer.Option(min=1, help="Pairs per request.")] = 512,
    api_key: ApiKeyOption = None,
) -> None:
    """Grade a JSONL file of pairs, with a progress bar."""
    rows = list(_read_pairs(input))
    batches = [rows[i : i + batch_size] for i in range(0, len(rows), batch_size)]
    with typer.progressbar(length=len(rows), label="grading", file=sys.stderr) as bar:
        results = _grade_batches(config, url, batches, taxonomy, judge, progress=bar.update, api_key=api_key)
    with output.open("w", encoding="utf-8") as fh:
        for batch in results:
            for row in batch:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    typer.echo(f"wrote {len(rows)} grades to {output}", err=True)


@app.command("evaluate-judge")
def evaluate_judge(
    pairs: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="JSONL of {ground_truth, prediction, category, ...}")
    ],
    config: ConfigOption = None,
    judge: JudgeOption = None,
    no_rules: Annotated[
        bool, typer.Option("--no-rules", help="The judge alone: no rules, no taxonomy settles a pair.")
    ] = False,
    output: Annotated[Path, typer.Option(help="Prefix of the report files (.json and .png)")] = Path(
        "judge-evaluation"
    ),
) -> None:
    """Measure a judge (and the rules and taxonomies before it) against labelled pairs: agreement,
    correct/wrong flips, confusion matrix, per-domain figures, tiers, calibration."""
    from verifier_service import judge_evaluation as evaluation

    try:
        labelled = evaluation.read_pairs(pairs)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    # No cache and no memo: every pair is graded now, by the judge being measured.
    settings = _settings(config).model_copy(update={"audit": False, "cache": "none", "grade_memo_size": 0})

    async def run():
        from verifier_service.services import build_services

        services = await build_services(settings)
        try:
            return await evaluation.grade_labelled(services, labelled, judge=judge, no_rules=no_rules)
        finally:
            await services.aclose()

    try:
        graded, escalated = asyncio.run(run())
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    report = evaluation.summarise(graded, escalated=escalated)
    title = f"{pairs.name}: judge {judge or settings.default_judge or 'default'}" + (" alone" if no_rules else "")
    typer.echo(evaluation.format_report(report, title))
    json_path, png_path = output.with_suffix(".json"), output.with_suffix(".png")
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    evaluation.write_confusion_png(report, png_path, title)
    typer.echo(f"wrote {json_path} and {png_path}", err=True)


def main() -> None:  # console-script entry point
    app()

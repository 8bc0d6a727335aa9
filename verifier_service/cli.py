"""The ``verifier`` command line: serve the API, or grade pairs in-process or through a server."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from verifier_service.config import Settings, load_settings

app = typer.Typer(
    help="Specificity-aware verifier for open-world classifiers.",
    no_args_is_help=True,
    rich_markup_mode=None,  # click's help wraps at the terminal's width; rich's cuts option names
)

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
    """The settings, with the taxonomy files they name checked: a bad file stops the command with
    one line per problem (exit code 2), before anything starts."""
    try:
        settings = load_settings(config, **{k: v for k, v in overrides.items() if v is not None})
    except (FileNotFoundError, ValueError) as exc:
        raise typer.BadParameter(str(exc)) from None
    _check_taxonomy_files(settings.taxonomy_paths, "the configuration's taxonomy_paths")
    return settings


def _check_taxonomy_files(paths: list[Path], named_by: str) -> None:
    from verifier_service.taxonomy import TaxonomyError
    from verifier_service.taxonomy.files import load_taxonomies

    problems = []
    for path in paths:
        if not path.exists():
            problems.append(f"{path}: no such file or directory")
            continue
        try:
            load_taxonomies([path])
        except TaxonomyError as exc:
            problems += exc.problems
    if problems:
        typer.echo(f"error: taxonomy files named by {named_by} have {len(problems)} problem(s):", err=True)
        for problem in problems:
            typer.echo(f"  {problem}", err=True)
        raise typer.Exit(2)


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


ITEM_FIELDS = ("ground_truth", "prediction", "id", "taxonomy")  # a row's own taxonomy wins over --taxonomy


async def _grade_in_process(
    settings: Settings, batches: Batches, taxonomy, judge, progress, explain: bool = False
) -> Batches:
    from verifier_service.api.encode import grade_fields
    from verifier_service.grading import GradeInput, InvalidRequest
    from verifier_service.services import build_services

    services = await build_services(settings.model_copy(update={"audit": False}))
    results = []
    try:
        for batch in batches:
            inputs = [GradeInput(row["ground_truth"], row["prediction"], row.get("taxonomy")) for row in batch]
            try:
                result = await services.grader.grade(inputs, taxonomy=taxonomy, judge=judge)
            except InvalidRequest as exc:
                raise typer.BadParameter(str(exc)) from None
            rows = [{"id": r.get("id"), **grade_fields(g, True)} for g, r in zip(result.grades, batch, strict=True)]
            if explain:
                for row, explanation in zip(rows, await services.explain(inputs, result, taxonomy), strict=True):
                    row["explanation"] = explanation
            results.append(rows)
            progress(len(batch))
    finally:
        await services.aclose()
    return results


def _grade_over_http(
    url: str, batches: Batches, taxonomy, judge, progress, api_key: str | None = None, explain: bool = False
) -> Batches:
    import httpx

    results = []
    headers = {"authorization": f"Bearer {api_key}"} if api_key else {}
    with httpx.Client(base_url=url, timeout=600, headers=headers) as client:
        for batch in batches:
            items = [{k: row[k] for k in ITEM_FIELDS if row.get(k) is not None} for row in batch]
            body = {
                "items": items,
                "taxonomy": taxonomy,
                "judge": judge,
                "return_probabilities": True,
                "return_explanations": explain,
            }
            try:
                response = client.post("/grade", json=body)
            except httpx.TransportError as exc:
                raise typer.BadParameter(f"cannot reach the service at {url}: {exc}") from None
            if response.status_code != 200:
                raise typer.BadParameter(f"service answered {response.status_code}: {response.text}")
            results.append(response.json()["grades"])
            progress(len(batch))
    return results


def _grade_batches(
    config: Path | None,
    url: str | None,
    batches: Batches,
    taxonomy,
    judge,
    progress,
    api_key: str | None = None,
    explain: bool = False,
) -> Batches:
    if url:
        return _grade_over_http(url, batches, taxonomy, judge, progress, api_key, explain)
    settings = _settings(config)
    store = settings.redis_url if settings.cache == "redis" else settings.data_dir / "state.db"
    typer.echo(
        f"grading in-process ({'config ' + str(config) if config else 'default settings'}; judges: "
        f"{', '.join(settings.judges) or 'none'}; uploaded taxonomies from {store}); "
        "pass --url to grade through a running service",
        err=True,
    )
    return asyncio.run(_grade_in_process(settings, batches, taxonomy, judge, progress, explain))


def _why_ungraded(rows: list[dict[str, Any]]) -> list[str]:
    """One line per reason items came back without a grade, most common first."""
    from collections import Counter

    reasons = Counter((row["status"], row.get("error") or "") for row in rows if row.get("status") != "ok")
    return [f"{count} x {status}: {error}" for (status, error), count in reasons.most_common(5)]


@app.command()
def grade(
    ground_truth: str,
    prediction: str,
    config: ConfigOption = None,
    url: UrlOption = None,
    taxonomy: TaxonomyOption = None,
    judge: JudgeOption = None,
    api_key: ApiKeyOption = None,
    explain: Annotated[bool, typer.Option(help="Say why: the rule, the taxonomy's nodes, or the judge.")] = True,
) -> None:
    """Grade one pair and print the grade as JSON (with its explanation)."""
    batches = [[{"ground_truth": ground_truth, "prediction": prediction}]]
    result = _grade_batches(config, url, batches, taxonomy, judge, lambda n: None, api_key, explain)
    typer.echo(json.dumps(result[0][0], indent=2, ensure_ascii=False))


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
            if row.get("taxonomy") is not None and not isinstance(row["taxonomy"], str):
                raise typer.BadParameter(f"{path}:{line_number}: taxonomy must be a taxonomy's name (a string)")
            yield row


@app.command("grade-file")
def grade_file(
    input: Annotated[
        Path,
        typer.Argument(exists=True, dir_okay=False, help="JSONL of {ground_truth, prediction, id?, taxonomy?}"),
    ],
    output: Annotated[
        Path, typer.Argument(dir_okay=False, help="JSONL of grades with their pairs, one per input line, in order")
    ],
    config: ConfigOption = None,
    url: UrlOption = None,
    taxonomy: TaxonomyOption = None,
    judge: JudgeOption = None,
    batch_size: Annotated[int, typer.Option(min=1, help="Pairs per request.")] = 512,
    api_key: ApiKeyOption = None,
    explain: Annotated[bool, typer.Option(help="Add each grade's explanation.")] = False,
) -> None:
    """Grade a JSONL file of pairs (a line's own taxonomy wins over --taxonomy), with a progress bar."""
    rows = list(_read_pairs(input))
    batches = [rows[i : i + batch_size] for i in range(0, len(rows), batch_size)]
    with typer.progressbar(length=len(rows), label="grading", file=sys.stderr) as bar:
        results = _grade_batches(config, url, batches, taxonomy, judge, bar.update, api_key, explain)
    # Each line says what it grades (joining on line order alone is fragile), then its grade.
    graded = [
        {"ground_truth": pair["ground_truth"], "prediction": pair["prediction"], **grade}
        for pair, grade in zip(rows, (row for batch in results for row in batch), strict=True)
    ]
    with output.open("w", encoding="utf-8") as fh:
        for row in graded:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    ok = sum(row["status"] == "ok" for row in graded)
    typer.echo(f"wrote {len(rows)} grades to {output}: {ok} graded, {len(rows) - ok} not", err=True)
    for line in _why_ungraded(graded):
        typer.echo(f"  {line}", err=True)


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
    no_judge: Annotated[
        bool,
        typer.Option("--no-judge", help="Rules and taxonomies alone: what they leave is counted as unsettled."),
    ] = False,
    split: Annotated[
        str | None, typer.Option(help="Only the pairs of this split (the labelled set's 'dev' or held-out 'test').")
    ] = None,
    with_corrections: Annotated[
        bool,
        typer.Option(
            "--with-corrections",
            help="Apply the store's human corrections (off by default: pairs a person corrected, perhaps "
            "from this very file, would be scored against themselves).",
        ),
    ] = False,
    output: Annotated[Path, typer.Option(help="Prefix of the report files (.json and .png)")] = Path(
        "judge-evaluation"
    ),
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
) -> None:
    """Measure a judge (and the rules and taxonomies before it) against labelled pairs: agreement,
    correct/wrong flips, confusion matrix, per-domain figures, tiers, calibration. In-process, or
    with --url through a running service (its taxonomies, judges, cache and corrections)."""
    from verifier_service import judge_evaluation as evaluation

    if no_rules and no_judge:
        raise typer.BadParameter("--no-rules and --no-judge together leave nothing to grade with")
    try:
        labelled = evaluation.read_pairs(pairs, split=split)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    if url:
        if no_rules or no_judge or with_corrections:
            raise typer.BadParameter(
                "--url grades through the service's whole pipeline, with the corrections it holds: --no-rules, "
                "--no-judge and --with-corrections are for in-process runs"
            )
        typer.echo(f"evaluating through {url}: its taxonomies, judges, cache and corrections", err=True)
        rows = [{"ground_truth": p.ground_truth, "prediction": p.prediction, "taxonomy": p.taxonomy} for p in labelled]
        batches = [rows[i : i + 512] for i in range(0, len(rows), 512)]
        answers = _grade_over_http(url, batches, None, judge, lambda n: None, api_key)
        graded = evaluation.graded_from_answers(labelled, [answer for batch in answers for answer in batch])
        report = evaluation.summarise(graded)
        report["service"] = url
        _write_report(evaluation, report, f"{pairs.name}{f' ({split})' if split else ''}: {url}", output)
        return
    # No cache and no memo: every pair is graded now, by the judge being measured.
    update: dict[str, Any] = {"audit": False, "cache": "none", "grade_memo_size": 0}
    if no_judge:  # no model is loaded
        update |= {"judges": {}, "default_judge": None}
    settings = _settings(config).model_copy(update=update)
    scratch = None
    if not settings.data_dir.is_dir():  # no store here: never leave an empty one behind
        scratch = tempfile.TemporaryDirectory(prefix="verifier-evaluate-")
        store = f"no store at {settings.data_dir} (bundled and configured taxonomies only)"
        settings = settings.model_copy(update={"data_dir": Path(scratch.name)})
    else:
        store = f"uploaded taxonomies and corrections from {settings.data_dir / 'state.db'}"
    typer.echo(f"evaluating in-process: {store}", err=True)

    async def run():
        from verifier_service.services import build_services

        services = await build_services(settings, apply_corrections=with_corrections)
        try:
            graded = await evaluation.grade_labelled(
                services, labelled, judge=judge, no_rules=no_rules, no_judge=no_judge
            )
            return graded, len(services.corrections.book.active)
        finally:
            await services.aclose()

    try:
        (graded, escalated), active = asyncio.run(run())
    except ValueError as exc:
        raise typer.BadParameter(f"{exc} ({store})") from None
    finally:
        if scratch is not None:
            scratch.cleanup()
    report = evaluation.summarise(graded, escalated=escalated)
    report["corrections"] = {"active_in_store": active, "applied": with_corrections}
    part = f" ({split})" if split else ""
    if no_judge:
        title = f"{pairs.name}{part}: rules and taxonomies, no judge"
    else:
        title = f"{pairs.name}{part}: judge {judge or settings.default_judge or 'default'}" + (
            " alone" if no_rules else ""
        )
    _write_report(evaluation, report, title, output)


def _write_report(evaluation: Any, report: dict[str, Any], title: str, output: Path) -> None:
    typer.echo(evaluation.format_report(report, title))
    json_path, png_path = output.with_suffix(".json"), output.with_suffix(".png")
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    evaluation.write_confusion_png(report, png_path, title)
    typer.echo(f"wrote {json_path} and {png_path}", err=True)


def _add_taxonomy_commands() -> None:
    from verifier_service.taxonomy_cli import app as taxonomy_app

    app.add_typer(taxonomy_app, name="taxonomy")


_add_taxonomy_commands()


def main() -> None:  # console-script entry point
    app()

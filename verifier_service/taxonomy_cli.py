"""``verifier taxonomy ...``: a taxonomy's life cycle from the command line, through a running
service (``--url``) or in-process on the configured store (what ``verifier serve`` then loads)."""

from __future__ import annotations

import asyncio
import json
import tempfile
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

T = TypeVar("T")

app = typer.Typer(
    help="List, show, check, upload, delete and look up taxonomies.",
    no_args_is_help=True,
    rich_markup_mode=None,  # click's help wraps at the terminal's width; rich's cuts option names
)
ConfigOption = Annotated[
    Path | None, typer.Option("--config", "-c", help="YAML settings file (env: VERIFIER_CONFIG_FILE).")
]
UrlOption = Annotated[
    str | None, typer.Option(help="A running service's base URL; without it, the configured store in-process.")
]
ApiKeyOption = Annotated[str | None, typer.Option(envvar="VERIFIER_API_KEY", help="API key for --url.")]
FileArgument = Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A taxonomy file (.yaml/.yml/.json)")]


def _fail(message: str, code: int = 1) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def _over_http(url: str, api_key: str | None, call: Callable[[Any], T]) -> T:
    from trainer_client.client import VerifierError, VerifierRequestError
    from trainer_client.sync_client import SyncVerifierClient

    with SyncVerifierClient(url, api_key=api_key, retry_for=10) as client:
        try:
            return call(client)
        except VerifierRequestError as exc:
            raise _fail(exc.detail, 2 if exc.status_code == 422 else 1) from None
        except VerifierError as exc:
            raise _fail(str(exc)) from None


def _in_process(config: Path | None, call: Callable[[Any], Awaitable[T]]) -> T:
    from verifier_service.cli import _settings
    from verifier_service.services import open_taxonomies

    settings = _settings(config)

    async def run() -> T:
        state, registry = await open_taxonomies(settings)
        try:
            return await call(registry)
        finally:
            await state.aclose()

    return asyncio.run(run())


def _read(file: Path) -> dict[str, Any]:
    """The file validated here first: its problems one per line (exit code 2)."""
    from verifier_service.taxonomy import TaxonomyError, load_taxonomy_file

    try:
        return load_taxonomy_file(file).to_dict()
    except TaxonomyError as exc:
        typer.echo(f"error: {len(exc.problems)} problem(s):", err=True)
        for problem in exc.problems:
            typer.echo(f"  {problem}", err=True)
        raise typer.Exit(2) from None


def _when(row: dict[str, Any]) -> str:
    stamp = row.get("uploaded_at") or row.get("loaded_at")
    return datetime.fromtimestamp(stamp, timezone.utc).strftime("%Y-%m-%d %H:%M") if stamp else ""


@app.command("list")
def list_taxonomies(config: ConfigOption = None, url: UrlOption = None, api_key: ApiKeyOption = None) -> None:
    """Every taxonomy: origin (bundled, configured, uploaded), version, nodes, when."""
    if url:
        rows = _over_http(url, api_key, lambda c: c.taxonomies())
    else:

        async def describe(registry: Any) -> list[dict[str, Any]]:
            return [registry.describe(name) for name in registry]

        rows = _in_process(config, describe)
    table = Table("name", "origin", "version", "nodes", "when (UTC)")
    for row in rows:
        table.add_row(row["name"], row["origin"], row["version"], str(row.get("nodes", "")), _when(row))
    Console().print(table)


@app.command()
def show(name: str, config: ConfigOption = None, url: UrlOption = None, api_key: ApiKeyOption = None) -> None:
    """A taxonomy's summary and nodes, as JSON."""
    if url:
        shown = _over_http(url, api_key, lambda c: c.taxonomy(name))
    else:

        async def one(registry: Any) -> dict[str, Any]:
            if name not in registry:
                raise _fail(f"no taxonomy named {name!r}; available: {sorted(registry)}")
            data = getattr(registry[name], "to_dict", dict)()
            return {**registry.describe(name), **{k: v for k, v in data.items() if k in ("nodes", "groups", "classes")}}

        shown = _in_process(config, one)
    typer.echo(json.dumps(shown, indent=2, ensure_ascii=False))


@app.command()
def lookup(
    name: str, term: str, config: ConfigOption = None, url: UrlOption = None, api_key: ApiKeyOption = None
) -> None:
    """Which node a term names in a taxonomy, and its lineage."""
    if url:
        found = _over_http(url, api_key, lambda c: c.lookup(name, term))
    else:

        async def explain(registry: Any) -> dict[str, Any]:
            if name not in registry:
                raise _fail(f"no taxonomy named {name!r}; available: {sorted(registry)}")
            explained = registry[name].explain(term)
            return {"taxonomy": name, "term": term, "found": explained is not None, **(explained or {})}

        found = _in_process(config, explain)
    typer.echo(json.dumps(found, indent=2, ensure_ascii=False))


@app.command()
def check(file: FileArgument, url: UrlOption = None, api_key: ApiKeyOption = None) -> None:
    """Validate a taxonomy file without saving it (with --url: the service's own check, a dry run)."""
    data = _read(file)
    if url:
        answer = _over_http(url, api_key, lambda c: c.check_taxonomy(data))
        typer.echo(f"ok: {file}: {data['name']!r} would be {answer['outcome']} ({answer['nodes']} nodes)")
        for warning in answer.get("warnings", []):
            typer.echo(f"warning: {warning}", err=True)
    else:
        _check_anchors_locally(file, data)
        typer.echo(f"ok: {file}: {data['name']!r}, {len(data['nodes'])} nodes")


def _check_anchors_locally(file: Path, data: dict[str, Any]) -> None:
    """Anchors against the WordNet installed here (Debian's wordnet-base), where there is one."""
    from verifier_service.taxonomy import Taxonomy
    from verifier_service.taxonomy.anchors import anchor_problems
    from verifier_service.taxonomy.wordnet import DEBIAN_WORDNET, WordNetTaxonomy

    taxonomy = Taxonomy.from_dict(data)
    if not any(node.wordnet for node in taxonomy.nodes.values()):
        return
    if not DEBIAN_WORDNET.is_dir():
        typer.echo(f"warning: {file}: wordnet anchors not checked: no WordNet here ({DEBIAN_WORDNET})", err=True)
        return
    with tempfile.TemporaryDirectory() as scratch:
        problems = anchor_problems(taxonomy, WordNetTaxonomy(Path(scratch)))
    if problems:
        raise _fail("\n".join(f"{file}: {problem}" for problem in problems))


@app.command()
def upload(
    file: FileArgument, config: ConfigOption = None, url: UrlOption = None, api_key: ApiKeyOption = None
) -> None:
    """Create or replace an uploaded taxonomy (every replica sees it)."""
    data = _read(file)
    if url:
        answer = _over_http(url, api_key, lambda c: c.upload_taxonomy(data))
        outcome, warnings = answer["outcome"], answer.get("warnings", [])
    else:
        from verifier_service.taxonomy import Taxonomy, TaxonomyConflict

        async def put(registry: Any) -> tuple[str, list[str]]:
            taxonomy = Taxonomy.from_dict(data)
            try:
                return await registry.upload(taxonomy), registry.warnings(taxonomy)
            except (TaxonomyConflict, ValueError) as exc:
                raise _fail(str(exc)) from None

        outcome, warnings = _in_process(config, put)
    typer.echo(f"{data['name']}: {outcome}")
    for warning in warnings:
        typer.echo(f"warning: {warning}", err=True)


@app.command()
def delete(name: str, config: ConfigOption = None, url: UrlOption = None, api_key: ApiKeyOption = None) -> None:
    """Delete an uploaded taxonomy (bundled and configured ones cannot be)."""
    if url:
        _over_http(url, api_key, lambda c: c.delete_taxonomy(name))
    else:
        from verifier_service.taxonomy import TaxonomyConflict

        async def remove(registry: Any) -> None:
            try:
                await registry.delete(name)
            except TaxonomyConflict as exc:
                raise _fail(str(exc)) from None
            except KeyError:
                raise _fail(f"no uploaded taxonomy named {name!r}") from None

        _in_process(config, remove)
    typer.echo(f"{name}: deleted")

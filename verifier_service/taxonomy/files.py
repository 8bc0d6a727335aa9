"""Taxonomy files (YAML or JSON): parsing, loading from disk, the bundled ones.

Uploads are untrusted: YAML aliases are refused (a few hundred bytes of nested aliases expand
to gigabytes: the "billion laughs"), nesting is bounded, and JSON is parsed by orjson (strict,
with a recursion limit), so a hostile file costs at most its own size to reject.
"""

from __future__ import annotations

from pathlib import Path

import orjson
import yaml

from verifier_service.taxonomy.bounds import MAX_TERM_CHARS
from verifier_service.taxonomy.model import Taxonomy, TaxonomyError

SUFFIXES = (".yaml", ".yml", ".json")
# libyaml's parser when PyYAML was built with it (about 10x faster on the bundled files).
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_NESTING = 16  # a taxonomy is a mapping of a list of mappings of lists: four levels deep


def parse_taxonomy_text(
    text: str,
    *,
    fmt: str,
    name: str | None = None,
    max_nodes: int | None = None,
    max_term_chars: int = MAX_TERM_CHARS,
) -> Taxonomy:
    """Parse YAML (``fmt='yaml'``) or JSON text into a validated taxonomy."""
    try:
        if fmt == "json":
            data = orjson.loads(text)
        else:
            _check_yaml_shape(text)
            data = yaml.load(text, Loader=_YAML_LOADER)
            orjson.dumps(data)  # what YAML allows but JSON does not (lone surrogates, dates) cannot be kept
    except (orjson.JSONDecodeError, orjson.JSONEncodeError, yaml.YAMLError, RecursionError) as exc:
        raise TaxonomyError(f"not valid {fmt.upper()}: {exc}") from None
    return Taxonomy.from_dict(data, name=name, max_nodes=max_nodes, max_term_chars=max_term_chars)


def _check_yaml_shape(text: str) -> None:
    """Refuse aliases and deep nesting before anything is built (one pass over libyaml's events)."""
    depth = 0
    for event in yaml.parse(text, Loader=_YAML_LOADER):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise TaxonomyError("YAML anchors and aliases are not accepted in a taxonomy (write each node out)")
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_NESTING:
                raise TaxonomyError(f"a taxonomy is nested at most {MAX_NESTING} levels deep")
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1


def load_taxonomy_file(path: Path) -> Taxonomy:
    if path.suffix.lower() not in SUFFIXES:
        raise TaxonomyError(f"{path}: a taxonomy file must end in one of {SUFFIXES}")
    fmt = "json" if path.suffix.lower() == ".json" else "yaml"
    try:
        return parse_taxonomy_text(path.read_text(encoding="utf-8"), fmt=fmt)
    except TaxonomyError as exc:
        raise exc.located(str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise TaxonomyError(f"{path}: cannot read it: {exc}") from None


def load_taxonomies(paths: list[Path]) -> dict[str, Taxonomy]:
    """Every taxonomy in the given files and directories, by name; duplicate names are an error."""
    found: dict[str, Taxonomy] = {}
    for path in paths:
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in SUFFIXES) if path.is_dir() else [path]
        for file in files:
            taxonomy = load_taxonomy_file(file)
            if taxonomy.name in found:
                raise TaxonomyError(f"{file}: a taxonomy named {taxonomy.name!r} is already loaded")
            found[taxonomy.name] = taxonomy
    return found


BUNDLED_DIR = Path(__file__).resolve().parent / "bundled"
USER_SUBDIR = "taxonomies"


def bundled_taxonomy_paths() -> list[Path]:
    """The taxonomies shipped with the package (the method's six benchmarks)."""
    return sorted(p for p in BUNDLED_DIR.iterdir() if p.suffix.lower() in SUFFIXES) if BUNDLED_DIR.is_dir() else []


def user_taxonomy_dir(data_dir: Path) -> Path:
    """Where an earlier version kept uploads as files (now imported into the shared state once)."""
    return data_dir / USER_SUBDIR

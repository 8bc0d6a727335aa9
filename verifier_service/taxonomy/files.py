"""Taxonomy files (YAML or JSON): parsing, loading from disk, the bundled ones, saving uploads."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from verifier_service.taxonomy.model import Taxonomy, TaxonomyError

SUFFIXES = (".yaml", ".yml", ".json")
# libyaml's parser when PyYAML was built with it (about 10x faster on the bundled files).
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_taxonomy_text(text: str, *, fmt: str, name: str | None = None) -> Taxonomy:
    """Parse YAML (``fmt='yaml'``) or JSON text into a validated taxonomy."""
    try:
        data = json.loads(text) if fmt == "json" else yaml.load(text, Loader=_YAML_LOADER)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise TaxonomyError(f"not valid {fmt.upper()}: {exc}") from None
    return Taxonomy.from_dict(data, name=name)


def load_taxonomy_file(path: Path) -> Taxonomy:
    if path.suffix.lower() not in SUFFIXES:
        raise TaxonomyError(f"{path}: a taxonomy file must end in one of {SUFFIXES}")
    fmt = "json" if path.suffix.lower() == ".json" else "yaml"
    try:
        return parse_taxonomy_text(path.read_text(encoding="utf-8"), fmt=fmt)
    except TaxonomyError as exc:
        raise TaxonomyError(f"{path}: {exc}") from None


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
    return data_dir / USER_SUBDIR


def save_user_taxonomy(data_dir: Path, taxonomy: Taxonomy) -> Path:
    """Persist an uploaded taxonomy so that it is loaded again after a restart."""
    directory = user_taxonomy_dir(data_dir)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{taxonomy.name}.json"
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(taxonomy.to_dict(), ensure_ascii=False, indent=1), encoding="utf-8")
    temporary.replace(path)  # atomic: a crash never leaves half a file
    return path

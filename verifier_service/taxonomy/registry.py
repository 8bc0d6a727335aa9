"""Every taxonomy the service knows, by name: bundled, configured, uploaded, and WordNet.

The registry is the one place taxonomies are added to; the grader reads it (as a mapping) at
every request, so an upload is used by the next request. Uploads are written to
``data_dir/taxonomies/`` and loaded again at start-up; bundled and configured taxonomies,
and WordNet, are fixed and cannot be replaced by an upload.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from verifier_service.grading.ports import LabelTaxonomy
from verifier_service.taxonomy.files import (
    bundled_taxonomy_paths,
    load_taxonomies,
    save_user_taxonomy,
    user_taxonomy_dir,
)
from verifier_service.taxonomy.lexicon_fallback import WithLexiconFallback
from verifier_service.taxonomy.model import Taxonomy

if TYPE_CHECKING:
    from verifier_service.taxonomy.wordnet import WordNetTaxonomy


class BrowsableTaxonomy(LabelTaxonomy, Protocol):
    """A taxonomy as the API shows it: what the grader needs, plus a summary and term look-ups."""

    def summary(self) -> dict[str, Any]: ...

    def explain(self, term: str) -> dict[str, Any] | None:
        """Which node a term names and its lineage; ``None`` when the taxonomy does not know it."""
        ...


class TaxonomyConflict(ValueError):
    """An upload tried to replace a bundled or configured taxonomy."""


class TooManyTaxonomies(ValueError):
    """An upload past the number of uploaded taxonomies the service keeps."""


class TaxonomyRegistry(Mapping[str, BrowsableTaxonomy]):
    def __init__(
        self,
        fixed: Mapping[str, BrowsableTaxonomy] | None = None,
        uploaded: Mapping[str, Taxonomy] | None = None,
        *,
        data_dir: Path | None = None,
        max_uploads: int | None = None,
        lexicon: WordNetTaxonomy | None = None,
    ) -> None:
        self._fixed = dict(fixed or {})
        # With WordNet loaded, taxonomies that anchor nodes to WordNet synsets answer through it
        # for broad words they do not list (lexicon_fallback.py). One view per name, made again when
        # the taxonomy of that name changes: a replaced taxonomy is never kept alive by its view.
        self._lexicon = lexicon
        self._views: dict[str, WithLexiconFallback] = {}
        self._max_uploads = max_uploads
        self._lock = threading.Lock()  # uploads run in worker threads
        self._uploaded = dict(uploaded or {})
        clash = set(self._fixed) & set(self._uploaded)
        if clash:
            raise TaxonomyConflict(f"uploaded taxonomies {sorted(clash)} clash with bundled or configured ones")
        self._data_dir = data_dir

    @classmethod
    def load(
        cls,
        *,
        data_dir: Path,
        bundled: bool = True,
        paths: list[Path] | None = None,
        wordnet: bool = False,
        wordnet_path: Path | None = None,
        max_uploads: int | None = None,
    ) -> TaxonomyRegistry:
        """Bundled and configured files, WordNet when enabled, and what was uploaded before. Names are unique."""
        fixed: dict[str, BrowsableTaxonomy] = dict(
            load_taxonomies([*(bundled_taxonomy_paths() if bundled else []), *(paths or [])])
        )
        lexicon = None
        if wordnet:
            from verifier_service.taxonomy.wordnet import DEBIAN_WORDNET, WordNetTaxonomy

            if "wordnet" in fixed:
                raise ValueError("a taxonomy file is named 'wordnet', which is reserved for WordNet")
            lexicon = WordNetTaxonomy(data_dir, source=wordnet_path or DEBIAN_WORDNET)
            fixed["wordnet"] = lexicon
        upload_dir = user_taxonomy_dir(data_dir)
        uploaded = load_taxonomies([upload_dir]) if upload_dir.is_dir() else {}
        return cls(fixed, uploaded, data_dir=data_dir, max_uploads=max_uploads, lexicon=lexicon)

    # ---- Mapping ----------------------------------------------------------------------------
    def __getitem__(self, name: str) -> BrowsableTaxonomy:
        taxonomy = self._uploaded[name] if name in self._uploaded else self._fixed[name]
        return self._view(taxonomy)

    def _view(self, taxonomy: BrowsableTaxonomy) -> BrowsableTaxonomy:
        if self._lexicon is None or not isinstance(taxonomy, Taxonomy) or not WithLexiconFallback.applies_to(taxonomy):
            return taxonomy
        view = self._views.get(taxonomy.name)
        if view is None or view.taxonomy is not taxonomy:
            view = self._views[taxonomy.name] = WithLexiconFallback(taxonomy, self._lexicon)
        return view

    def __iter__(self) -> Iterator[str]:
        yield from self._fixed
        yield from self._uploaded

    def __len__(self) -> int:
        return len(self._fixed) + len(self._uploaded)

    # ---- changes ------------------------------------------------------------------------------
    def add(self, taxonomy: Taxonomy) -> None:
        """Register an uploaded taxonomy (replacing an earlier upload of that name) and persist it."""
        if taxonomy.name in self._fixed:
            raise TaxonomyConflict(
                f"{taxonomy.name!r} is a bundled or configured taxonomy; upload yours under another name"
            )
        with self._lock:
            replacing = taxonomy.name in self._uploaded
            if not replacing and self._max_uploads is not None and len(self._uploaded) >= self._max_uploads:
                raise TooManyTaxonomies(
                    f"{len(self._uploaded)} uploaded taxonomies are kept, the limit (max_uploaded_taxonomies); "
                    "replace one of them instead"
                )
            if self._data_dir is not None:
                save_user_taxonomy(self._data_dir, taxonomy)
            self._uploaded[taxonomy.name] = taxonomy

    def is_fixed(self, name: str) -> bool:
        return name in self._fixed

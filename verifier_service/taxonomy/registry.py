"""Every taxonomy the service knows, by name: bundled, configured, uploaded, and WordNet.

The registry is the one place taxonomies are added to and removed from; the grader reads it (as
a mapping) at every request, so a change is used by the next request. Bundled and configured
taxonomies, and WordNet, are fixed: an upload cannot replace them, a delete cannot remove them.

Uploads live in the shared state (``store/shared_state.py``: SQLite in the data directory, or
Redis when replicas share it), as documents of kind ``taxonomy``. Consistency: an upload or a
delete is visible to the next request of the replica that made it at once, and to every other
replica within ``sync_interval_s`` (each checks the documents' revision, one read, at most that
often, and parses only what changed).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

import orjson

from verifier_service.grading.ports import LabelTaxonomy
from verifier_service.store.shared_state import SharedState, Synced
from verifier_service.taxonomy.anchors import anchor_problems, unused_anchors
from verifier_service.taxonomy.bounds import MAX_TERM_CHARS
from verifier_service.taxonomy.files import bundled_taxonomy_paths, load_taxonomies, user_taxonomy_dir
from verifier_service.taxonomy.lexicon_fallback import WithLexiconFallback
from verifier_service.taxonomy.model import Taxonomy, TaxonomyError

if TYPE_CHECKING:
    from verifier_service.taxonomy.wordnet import WordNetTaxonomy

KIND = "taxonomy"  # the shared state's document kind
# Names no upload may take, on any replica of a store, whatever that replica loads: the bundled
# taxonomies' (their files are named after them) and WordNet's. Otherwise a replica started with
# bundled_taxonomies: false could upload a "cub-200" that every other replica would then use.
RESERVED = frozenset({path.stem for path in bundled_taxonomy_paths()} | {"wordnet"})
log = logging.getLogger(__name__)
Origin = Literal["bundled", "configured", "uploaded"]
UploadOutcome = Literal["created", "replaced", "unchanged"]


class BrowsableTaxonomy(LabelTaxonomy, Protocol):
    """A taxonomy as the API shows it: what the grader needs, plus a summary and term look-ups."""

    def summary(self) -> dict[str, Any]: ...

    def explain(self, term: str) -> dict[str, Any] | None:
        """Which node a term names and its lineage; ``None`` when the taxonomy does not know it."""
        ...


class TaxonomyConflict(ValueError):
    """An upload or a delete aimed at a bundled or configured taxonomy."""


class TooManyTaxonomies(ValueError):
    """An upload past the number of uploaded taxonomies the service keeps."""


@dataclass(frozen=True)
class _Upload:
    taxonomy: Taxonomy
    uploaded_at: float
    document: bytes  # as stored: a replica re-parses a document only when it changed


class TaxonomyRegistry(Mapping[str, BrowsableTaxonomy]):
    def __init__(
        self,
        fixed: Mapping[str, BrowsableTaxonomy] | None = None,
        *,
        origins: Mapping[str, Origin] | None = None,
        state: SharedState | None = None,
        max_uploads: int | None = None,
        max_nodes: int | None = None,
        max_term_chars: int = MAX_TERM_CHARS,
        lexicon: WordNetTaxonomy | None = None,
        sync_interval_s: float = 1.0,
    ) -> None:
        self._fixed = dict(fixed or {})
        self._origins = dict(origins or {})
        self._loaded_at = time.time()
        self._state = state
        self._max_uploads = max_uploads
        self._limits = {"max_nodes": max_nodes, "max_term_chars": max_term_chars}
        # With WordNet loaded, taxonomies that anchor nodes to WordNet synsets answer through it
        # for broad words they do not list (lexicon_fallback.py). One view per name, made again when
        # the taxonomy of that name changes: a replaced taxonomy is never kept alive by its view.
        self._lexicon = lexicon
        self._views: dict[str, WithLexiconFallback] = {}
        self._uploads: dict[str, _Upload] = {}
        self._uploads_ignored: set[str] = set()
        self._revision = -1
        self.synced = Synced(self._refresh, sync_interval_s, name="taxonomies")

    @classmethod
    def load(
        cls,
        *,
        data_dir: Path,
        bundled: bool = True,
        paths: list[Path] | None = None,
        wordnet: bool = False,
        wordnet_path: Path | None = None,
        **options: Any,
    ) -> TaxonomyRegistry:
        """The fixed taxonomies: bundled and configured files, WordNet when enabled. Names are unique.
        What was uploaded comes from the shared state, at the first ``sync()``."""
        fixed: dict[str, BrowsableTaxonomy] = {}
        origins: dict[str, Origin] = {}
        for origin, files in (("bundled", bundled_taxonomy_paths() if bundled else []), ("configured", paths or [])):
            for name, taxonomy in load_taxonomies(files).items():
                if name in fixed:
                    raise ValueError(f"two taxonomies are named {name!r} (bundled and configured)")
                fixed[name], origins[name] = taxonomy, origin  # type: ignore[assignment]
        lexicon = None
        if wordnet:
            from verifier_service.taxonomy.wordnet import DEBIAN_WORDNET, WordNetTaxonomy

            if "wordnet" in fixed:
                raise ValueError("a taxonomy file is named 'wordnet', which is reserved for WordNet")
            lexicon = WordNetTaxonomy(data_dir, source=wordnet_path or DEBIAN_WORDNET)
            fixed["wordnet"], origins["wordnet"] = lexicon, "bundled"
        return cls(fixed, origins=origins, lexicon=lexicon, **options)

    # ---- Mapping ----------------------------------------------------------------------------
    def __getitem__(self, name: str) -> BrowsableTaxonomy:
        fixed = self._fixed.get(name)  # a fixed taxonomy is never shadowed by an upload of its name
        return self._view(fixed if fixed is not None else self._uploads[name].taxonomy)

    def _view(self, taxonomy: BrowsableTaxonomy) -> BrowsableTaxonomy:
        if self._lexicon is None or not isinstance(taxonomy, Taxonomy):
            return taxonomy
        view = self._views.get(taxonomy.name)
        if view is None or view.taxonomy is not taxonomy:
            view = self._views[taxonomy.name] = WithLexiconFallback(taxonomy, self._lexicon)
        return view

    def __iter__(self) -> Iterator[str]:
        yield from self._fixed
        yield from (name for name in self._uploads if name not in self._fixed)

    def __len__(self) -> int:
        return len(self._fixed) + len(self._uploads)

    # ---- what the API shows ---------------------------------------------------------------------
    def is_fixed(self, name: str) -> bool:
        """Loaded here from a file or WordNet, or reserved: the bundled names and 'wordnet' are fixed on
        every replica of a store, whatever this replica's own settings load."""
        return name in self._fixed or name in RESERVED

    def origin(self, name: str) -> Origin:
        if name in self._fixed or name in RESERVED:
            return self._origins.get(name, "bundled" if name in RESERVED else "configured")
        return "uploaded" if name in self._uploads else "configured"

    def describe(self, name: str) -> dict[str, Any]:
        """A taxonomy's summary, with its origin and when it was loaded or uploaded."""
        upload = self._uploads.get(name)
        when = {"uploaded_at": upload.uploaded_at} if upload is not None else {"loaded_at": self._loaded_at}
        return {**self[name].summary(), "origin": self.origin(name), **when}

    # ---- uploads, shared between replicas ------------------------------------------------------
    async def sync(self, *, force: bool = False) -> None:
        """Take in what other replicas uploaded or deleted (at most once every ``sync_interval_s``)."""
        if self._state is not None:
            await self.synced.ensure(force=force)

    async def _refresh(self) -> None:
        assert self._state is not None
        revision = await self._state.revision(KIND)
        if revision == self._revision:
            return
        documents = await self._state.documents(KIND)
        uploads: dict[str, _Upload] = {}
        for name, document in documents.items():
            if self.is_fixed(name):  # stored by an earlier version or another replica's settings: never used
                if name not in self._uploads_ignored:
                    log.warning("an upload named %r is in the store; %r is a fixed name: ignored", name, name)
                    self._uploads_ignored.add(name)
                continue
            current = self._uploads.get(name)
            unchanged = current is not None and current.document == document
            uploads[name] = current if unchanged else await self._parse(document)  # type: ignore[assignment]
        self._uploads, self._revision = uploads, revision
        self._views = {name: view for name, view in self._views.items() if name in uploads or name in self._fixed}

    @staticmethod
    async def _parse(document: bytes) -> _Upload:
        data = orjson.loads(document)
        taxonomy = await asyncio.to_thread(Taxonomy.from_dict, data["taxonomy"])  # validated when uploaded
        return _Upload(taxonomy, data["uploaded_at"], document)

    async def upload(self, taxonomy: Taxonomy, *, dry_run: bool = False) -> UploadOutcome:
        """Register an uploaded taxonomy, creating or replacing an upload of that name, for every
        replica; ``dry_run``: only say what would happen."""
        if self.is_fixed(taxonomy.name):
            raise TaxonomyConflict(
                f"{taxonomy.name!r} is a {self.origin(taxonomy.name)} taxonomy; upload yours under another name"
            )
        problems = await asyncio.to_thread(anchor_problems, taxonomy, self._lexicon) if self._lexicon else []
        if problems:
            raise TaxonomyError(f"{taxonomy.name}: {len(problems)} problem(s): " + "; ".join(problems), problems)
        await self.sync(force=True)
        current = self._uploads.get(taxonomy.name)
        if current is not None and current.taxonomy.version == taxonomy.version:
            return "unchanged"
        if current is None and self._max_uploads is not None and len(self._uploads) >= self._max_uploads:
            raise TooManyTaxonomies(
                f"{len(self._uploads)} uploaded taxonomies are kept, the limit (max_uploaded_taxonomies); "
                "replace or delete one of them"
            )
        if dry_run:
            return "created" if current is None else "replaced"
        if self._state is None:
            raise RuntimeError("this registry has no store for uploads")
        upload = _Upload(taxonomy, time.time(), b"")
        document = orjson.dumps({"uploaded_at": upload.uploaded_at, "taxonomy": taxonomy.to_dict()})
        await self._state.put_document(KIND, taxonomy.name, document)
        self._uploads = {**self._uploads, taxonomy.name: _Upload(taxonomy, upload.uploaded_at, document)}
        return "created" if current is None else "replaced"

    def warnings(self, taxonomy: Taxonomy) -> list[str]:
        """What an upload should be told that is not an error (anchors this service cannot use)."""
        unused = unused_anchors(taxonomy) if self._lexicon is None else None
        return [unused] if unused else []

    async def delete(self, name: str) -> None:
        """Remove an uploaded taxonomy, for every replica. ``KeyError`` when there is none of that name."""
        if self.is_fixed(name):
            # An upload of a fixed name that an earlier version stored is removed (it was never used);
            # the fixed taxonomy itself stays.
            if self._state is not None and name in await self._state.documents(KIND):
                await self._state.delete_document(KIND, name)
                return
            raise TaxonomyConflict(f"{name!r} is a {self.origin(name)} taxonomy: it cannot be deleted")
        await self.sync(force=True)
        if self._state is None or not await self._state.delete_document(KIND, name):
            raise KeyError(name)
        self._uploads = {n: u for n, u in self._uploads.items() if n != name}
        self._views.pop(name, None)

    async def import_files(self, data_dir: Path) -> int:
        """Uploads an earlier version kept as files (``data_dir/taxonomies``) become shared documents,
        once: when the store holds none yet. How many were imported."""
        directory = user_taxonomy_dir(data_dir)
        if self._state is None or not directory.is_dir() or await self._state.documents(KIND):
            return 0
        found = await asyncio.to_thread(load_taxonomies, [directory])
        for taxonomy in found.values():
            if taxonomy.name not in self._fixed:
                await self.upload(taxonomy)
        return len(found)

"""Human corrections: a person's grade for a pair overrides rules, taxonomy, cache and judge.

Pure: the book of active corrections is built from an append-only list of changes (set a
pair's category, or revert a correction), extended by each new change rather than replayed, so
every replica that reads the same changes holds the same book, and its ``version`` (a hash of
what is active, independent of the order it was reached in) says which. A pair is keyed as
grading keys it: the ground truth and the defused prediction, normalised, and the taxonomy's name.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import orjson

from verifier_service.grading.categories import Category
from verifier_service.grading.normalise import normalise
from verifier_service.grading.unicode_safety import defuse

CorrectionKey = tuple[str, str, str | None]


def correction_key(ground_truth: str, prediction: str, taxonomy: str | None) -> CorrectionKey:
    return normalise(ground_truth), normalise(defuse(prediction)), taxonomy


@dataclass(frozen=True)
class Change:
    """One recorded change: ``set`` a pair's category, or ``revert`` the correction ``reverts``."""

    number: int  # its place in the list: 1, 2, ...
    action: str  # "set" or "revert"
    ground_truth: str
    prediction: str
    taxonomy: str | None
    category: str | None  # set: the category; revert: None
    before: str | None  # what the pair was graded before this change (for the history)
    who: str
    at: float
    note: str = ""
    reverts: int | None = None
    # The version of the named taxonomy's content the pair was corrected under (None: no taxonomy,
    # or recorded before versions were kept): the correction applies to that content only.
    taxonomy_version: str | None = None

    @classmethod
    def parse(cls, number: int, entry: bytes) -> Change:
        return cls(number=number, **orjson.loads(entry))

    def encode(self) -> bytes:
        data = {k: v for k, v in self.__dict__.items() if k != "number"}
        return orjson.dumps(data)


@dataclass(frozen=True)
class Correction:
    """An active correction: the change that set it (its id) and how many times the pair was set."""

    id: int
    version: int
    category: Category
    change: Change


def content_version(tree: object | None) -> str | None:
    """A taxonomy's content version (a taxonomy read through WordNet has its file's), None for none."""
    return None if tree is None else getattr(tree, "content_version", getattr(tree, "version", None))


@dataclass(frozen=True)
class CorrectionBook:
    """The active corrections. ``extended`` applies new changes in time proportional to them (one copy
    of the maps per call, none per change), so a long history costs nothing per correction."""

    active: Mapping[CorrectionKey, Correction] = field(default_factory=dict)
    by_id: Mapping[int, CorrectionKey] = field(default_factory=dict)
    version: str = "none"
    changes: int = 0
    sets: Mapping[CorrectionKey, int] = field(default_factory=dict)  # how many times each pair was set
    digest: int = 0  # XOR of the active corrections' fingerprints: the version, kept up to date per change

    def get(self, key: CorrectionKey) -> Correction | None:
        return self.active.get(key)

    def extended(self, changes: Iterable[Change]) -> CorrectionBook:
        """The book after ``changes``, in order: a later set of a pair replaces the earlier one (one
        recorded winner; both stay in the history); a revert removes the correction it names if that
        one is still active."""
        active, by_id, sets = dict(self.active), dict(self.by_id), dict(self.sets)
        digest, count = self.digest, self.changes
        for change in changes:
            count += 1
            key = correction_key(change.ground_truth, change.prediction, change.taxonomy)
            if change.action == "set" and change.category is not None:
                if key in active:
                    digest ^= _fingerprint(key, active[key])
                sets[key] = sets.get(key, 0) + 1
                active[key] = Correction(change.number, sets[key], Category(change.category), change)
                by_id[change.number] = key
                digest ^= _fingerprint(key, active[key])
            elif change.action == "revert" and change.reverts is not None:
                target = by_id.get(change.reverts)
                if target is not None and target in active and active[target].id == change.reverts:
                    digest ^= _fingerprint(target, active.pop(target))
        version = f"{digest:016x}" if active else "none"
        return CorrectionBook(active, by_id, version, count, sets, digest)


def _fingerprint(key: CorrectionKey, correction: Correction) -> int:
    """A correction's share of the version: the same active set gives the same version on every
    replica, whatever order it was reached in."""
    text = repr((key, correction.id, correction.category.value)).encode()
    return int.from_bytes(hashlib.sha256(text).digest()[:8], "big")


def replay(changes: Iterable[Change]) -> CorrectionBook:
    """The active corrections after the changes, in order (``CorrectionBook.extended`` from nothing)."""
    return CorrectionBook().extended(changes)

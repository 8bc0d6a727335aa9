"""What the grading core needs from the outside world, as protocols.

The core depends only on these; judge backends (``verifier_service.judges``), grade
stores (``verifier_service.store``) and metrics implement them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal, Protocol, runtime_checkable

from verifier_service.grading.categories import Category
from verifier_service.grading.types import Grade, Judgement, JudgeOutcome, JudgeRequest, Unsettled


@runtime_checkable
class Judge(Protocol):
    """An LLM (or other) judge that grades normalised pairs it is given."""

    async def identity(self) -> str:
        """Model and prompt version; part of every cache key, so a change never serves stale grades.

        A remote judge may have to ask its server which model it serves: this can fail, and
        then the pairs that needed the judge get an error status.
        """
        ...

    async def judge(self, requests: Sequence[JudgeRequest]) -> list[JudgeOutcome]:
        """One outcome per request, in order. A failure for a pair is a ``JudgeFailure`` in its slot;
        an exception means the whole call failed."""
        ...

    async def check_ready(self) -> None:
        """Raise if the judge cannot grade right now."""
        ...

    async def aclose(self) -> None: ...

    # A remote judge may also offer ``circuit_state() -> str`` (closed, open, half-open): the
    # service then exports it as ``verifier_judge_breaker_open``.


Relation = Literal["same", "above", "below", "different"]


class NameLookup(Protocol):
    """What the rules may ask of a taxonomy about names (to read lists and spot known names)."""

    def knows(self, term: str) -> bool:
        """Whether the term is a name the taxonomy knows (a node, a group, a class named with its ancestor)."""
        ...

    def relate(self, a: str, b: str) -> Relation | None:
        """How the concepts two terms name relate: the same, ``a`` above ``b``, ``a`` below ``b``, or
        known to be different; ``None`` when either is unknown or the taxonomy cannot tell."""
        ...


class LabelTaxonomy(NameLookup, Protocol):
    """What the grader needs of a taxonomy (a file-based tree, WordNet, ...)."""

    name: str
    version: str  # changes whenever the content does: part of the cache key of grades that used it

    def categorise(self, ground_truth: str, prediction: str) -> Category | None:
        """The category the taxonomy settles for a pair, or ``None`` to leave it to the judge."""
        ...

    def describe_lineage(self, term: str) -> str | None:
        """The term's chain of parents as text, for the judge's context; ``None`` if unknown."""
        ...


class GradeCache(Protocol):
    """A persistent map from cache key to the judge's verdict."""

    async def get_many(self, keys: Sequence[str]) -> dict[str, Judgement]: ...

    async def put_many(self, entries: Mapping[str, Judgement]) -> None: ...

    async def check_ready(self) -> None: ...

    async def aclose(self) -> None: ...


class Coordinator(Protocol):
    """Single-flight across replicas: one lock per cache key, a lease with a short expiry that its
    owner renews while it judges, so a dead owner's pairs are taken over within one expiry."""

    async def claim(self, keys: Sequence[str], owner: str, ttl_ms: int) -> set[str]:
        """The keys whose lock ``owner`` took; the others are held by someone else."""
        ...

    async def release(self, keys: Sequence[str], owner: str) -> None: ...

    async def extend(self, keys: Sequence[str], owner: str, ttl_ms: int) -> None:
        """Renew the locks ``owner`` still holds (its lease, while its judge works)."""
        ...

    async def locked(self, keys: Sequence[str]) -> set[str]:
        """The keys whose lock is currently held."""
        ...


class GradingObserver(Protocol):
    """Receives counts and timings from the core (Prometheus in the service)."""

    def items_graded(self, counts: Sequence[tuple[Grade, int]]) -> None:
        """The grades of one batch: each distinct grade, with how many items it graded."""
        ...

    def cache_lookups(self, hits: int, misses: int) -> None: ...

    def cache_error(self, operation: str) -> None: ...

    def judge_call(self, judge: str, seconds: float, ok: int, failures: Mapping[str, int]) -> None:
        """One judge call: its wall time, the pairs it graded, and the pairs it failed, by kind."""
        ...

    def in_flight(self, delta: int) -> None: ...

    def judge_reason(self, why: Unsettled, taxonomy: str | None) -> None:
        """A distinct pair sent to the judge, and why the exact tiers could not settle it."""
        ...


class NullObserver:
    """An observer that records nothing."""

    def items_graded(self, counts: Sequence[tuple[Grade, int]]) -> None:
        pass

    def cache_lookups(self, hits: int, misses: int) -> None:
        pass

    def cache_error(self, operation: str) -> None:
        pass

    def judge_call(self, judge: str, seconds: float, ok: int, failures: Mapping[str, int]) -> None:
        pass

    def in_flight(self, delta: int) -> None:
        pass

    def judge_reason(self, why: Unsettled, taxonomy: str | None) -> None:
        pass

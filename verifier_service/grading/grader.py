"""The grading pipeline: validate, the memo, normalise, de-duplicate, rules, taxonomy, then the judge tier.

Pure orchestration over the ports in ``ports.py``: no HTTP, no database, no model code. One
call, ``Grader.grade``, answers a whole batch: the grades in order and the judge they used.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import NamedTuple

from verifier_service.grading.categories import Category
from verifier_service.grading.corrections import CorrectionBook, content_version
from verifier_service.grading.judge_tier import JudgeTier, NamedJudge
from verifier_service.grading.memo import GradeMemo, MemoKey
from verifier_service.grading.normalise import normalise
from verifier_service.grading.ports import Coordinator, GradeCache, GradingObserver, Judge, LabelTaxonomy, NullObserver
from verifier_service.grading.rules import RuleVerdict, apply_rules
from verifier_service.grading.types import Grade, GradeInput, JudgeRequest, Source, Status
from verifier_service.grading.unicode_safety import defuse
from verifier_service.grading.unsettled import unsettled as why_unsettled
from verifier_service.grading.validation import (
    GradingLimits,
    UnknownNameError,
    check_ground_truths,
    check_size,
)


@dataclass(frozen=True, slots=True)
class GradingResult:
    grades: list[Grade]  # one per item, in order
    judge: str | None  # the judge that pairs needing one went to (None: no judge configured)


class PairKey(NamedTuple):
    """What makes two items the same unit of work: the raw prediction matters to the rules only
    through its shape, so the normalised pair alone is not enough."""

    ground_truth: str  # normalised
    prediction: str  # normalised
    raw_prediction: str
    taxonomy: str | None
    raw_ground_truth: str = ""  # as sent: the separators it is written with are no list marks


EMPTY_BOOK = CorrectionBook()


@dataclass(frozen=True, slots=True)
class _Plan:
    """A validated batch: the taxonomies it names and the judge it will use."""

    taxonomies: Mapping[str | None, LabelTaxonomy | None]
    judge: NamedJudge | None
    corrections: CorrectionBook = EMPTY_BOOK


class Grader:
    """Grades batches of (ground truth, prediction) pairs; see the module docstring and ``JudgeTier``."""

    def __init__(
        self,
        *,
        judges: Mapping[str, Judge],
        default_judge: str | None = None,
        taxonomies: Mapping[str, LabelTaxonomy] | None = None,
        default_taxonomy: str | None = None,
        cache: GradeCache | None = None,
        observer: GradingObserver | None = None,
        judge_batch_size: int = 64,
        coordinator: Coordinator | None = None,
        lock_ttl_s: float = 15.0,
        poll_s: float = 0.1,
        limits: GradingLimits = GradingLimits(),
        judge_deadline_s: float | None = None,
        memo_size: int = 100_000,
        memo_bytes: int = 64_000_000,
        corrections: Callable[[], CorrectionBook] | None = None,
    ) -> None:
        if default_judge is None and len(judges) == 1:
            default_judge = next(iter(judges))
        if default_judge is not None and default_judge not in judges:
            raise ValueError(f"default judge {default_judge!r} is not among the judges {sorted(judges)}")
        self.judges: Mapping[str, Judge] = dict(judges)
        self.default_judge = default_judge
        self.default_taxonomy = default_taxonomy  # for requests that name none (an item may name its own)
        # Read at every request, never copied: a taxonomy registered later is used at once.
        self._taxonomies: Mapping[str, LabelTaxonomy] = taxonomies if taxonomies is not None else {}
        self._observer = observer or NullObserver()
        self._limits = limits
        self._memo = GradeMemo(memo_size, memo_bytes)
        # The corrections in force, read at every request (the memo follows their version).
        self._corrections = corrections or (lambda: EMPTY_BOOK)
        # Rule and taxonomy grades are few distinct values: items share one object per value,
        # so everything done per grade downstream (serialising, metrics, audit) is done rarely.
        self._interned: dict[Grade, Grade] = {}
        self._judge_tier = JudgeTier(
            cache=cache,
            observer=self._observer,
            batch_size=judge_batch_size,
            coordinator=coordinator,
            lock_ttl_s=lock_ttl_s,
            poll_s=poll_s,
            deadline_s=judge_deadline_s,
        )

    async def grade(
        self, items: Sequence[GradeInput], *, taxonomy: str | None = None, judge: str | None = None
    ) -> GradingResult:
        """One grade per item, in order, and the judge used.

        Raises ``InvalidRequest`` (``RequestTooLarge``, ``UnknownNameError``, ``InvalidItemError``)
        for a batch that cannot be graded as asked; nothing is graded then.
        """
        if taxonomy is None:
            taxonomy = self.default_taxonomy
        plan = self._validate(items, taxonomy, judge)
        self._observer.in_flight(len(items))
        try:
            grades, counts = await self._grade(items, taxonomy, plan)
        finally:
            self._observer.in_flight(-len(items))
        self._observer.items_graded(counts)
        return GradingResult(grades, plan.judge.name if plan.judge else None)

    async def settled_without_judge(self, item: GradeInput, taxonomy: str | None = None) -> Grade | None:
        """The pair's grade from the memo, the rules, the taxonomy or the grade cache; None when only a
        judge could tell. Never waits for a judging (a correction records what the pair was graded
        before it at once)."""
        name = item.taxonomy or taxonomy or self.default_taxonomy
        tree = self._taxonomy(name)
        version = self._corrections().version
        self._memo.advance(version)
        key = (item.ground_truth, item.prediction, (name, tree.version if tree else None, self.default_judge))
        if (remembered := self._memo.get(key, version)) is not None:
            return remembered
        prediction = defuse(item.prediction)
        pair = PairKey(normalise(item.ground_truth), normalise(prediction), prediction, name, item.ground_truth)
        outcome = _settle(pair, tree)
        if isinstance(outcome, Grade):
            return outcome
        judge = self._judge(None)
        return await self._judge_tier.cached(outcome, judge) if judge is not None else None

    def _validate(self, items: Sequence[GradeInput], taxonomy: str | None, judge: str | None) -> _Plan:
        check_size(items, self._limits)
        chosen = self._judge(judge)
        names = {taxonomy} | {item.taxonomy for item in items if item.taxonomy}
        trees = {name: self._taxonomy(name) for name in names}
        check_ground_truths(items)
        book = self._corrections()
        self._memo.advance(book.version)  # a grade remembered before a correction is never served after it
        return _Plan(trees, chosen, book)

    def _judge(self, name: str | None) -> NamedJudge | None:
        name = name or self.default_judge
        if name is None:
            return None
        judge = self.judges.get(name)
        if judge is None:
            raise UnknownNameError(f"unknown judge {name!r}; configured judges: {sorted(self.judges)}")
        return NamedJudge(name, judge)

    def _taxonomy(self, name: str | None) -> LabelTaxonomy | None:
        if name is None:
            return None
        taxonomy = self._taxonomies.get(name)
        if taxonomy is None:
            raise UnknownNameError(f"unknown taxonomy {name!r}; available: {sorted(self._taxonomies)}")
        return taxonomy

    async def _grade(
        self, items: Sequence[GradeInput], default_taxonomy: str | None, plan: _Plan
    ) -> tuple[list[Grade], list[tuple[Grade, int]]]:
        """The grades, one per item, and each distinct grade object with how many items it graded."""
        # 1. the same pair, as sent, is graded once; a pair graded before comes from the memo.
        judge_name = plan.judge.name if plan.judge else None
        contexts = {name: (name, tree.version if tree else None, judge_name) for name, tree in plan.taxonomies.items()}
        default_context = contexts[default_taxonomy]
        by_pair: dict[MemoKey, list[int]] = {}
        for index, (ground_truth, prediction, taxonomy) in enumerate(items):
            key = (ground_truth, prediction, contexts[taxonomy] if taxonomy else default_context)
            by_pair.setdefault(key, []).append(index)
        grades: list[Grade | None] = [None] * len(items)
        counts: dict[int, list] = {}  # id(grade) -> [grade, items]: per distinct pair, not per item

        def give(grade: Grade, indexes: list[int]) -> None:
            for index in indexes:
                grades[index] = grade
            counted = counts.get(id(grade))
            if counted is None:
                counts[id(grade)] = [grade, len(indexes)]
            else:
                counted[1] += len(indexes)

        unsettled: list[MemoKey] = []
        remembered_judgements = 0
        for key, indexes in by_pair.items():
            grade = self._memo.get(key, plan.corrections.version)
            if grade is None:
                unsettled.append(key)
            else:
                remembered_judgements += grade.source is Source.CACHE
                give(grade, indexes)
        if remembered_judgements:
            self._observer.cache_lookups(hits=remembered_judgements, misses=0)

        # 2-8. the rest: defences, normalisation, rules, taxonomy, cache, judge.
        if unsettled:
            limit = self._limits.max_label_chars
            for key, grade in (await self._settle_new(unsettled, plan)).items():
                if limit is None or len(key[1]) <= limit:  # an over-long answer is never kept whole
                    self._memo.put(key, grade, plan.corrections.version)
                give(grade, by_pair[key])
        return grades, [(grade, n) for grade, n in counts.values()]  # type: ignore[return-value]  # all filled

    async def _settle_new(self, pairs: list[MemoKey], plan: _Plan) -> dict[MemoKey, Grade]:
        settled: dict[MemoKey, Grade] = {}
        # 2-3. an answer over the length limit is wrong as it stands; the others are defused,
        # normalised and de-duplicated once more (two spellings may normalise alike).
        normal_forms: dict[PairKey, list[MemoKey]] = {}
        limit = self._limits.max_label_chars
        for n, pair in enumerate(pairs):
            await _breathe(n)
            ground_truth, raw_prediction, (taxonomy, _, _) = pair
            if limit is not None and len(raw_prediction) > limit:
                settled[pair] = Grade(
                    Status.OK, Category.WRONG, Source.RULE, reason=f"too long: over {limit} characters"
                )
                continue
            prediction = defuse(raw_prediction)  # no invisible characters, no mixed-script words
            key = PairKey(normalise(ground_truth), normalise(prediction), prediction, taxonomy, ground_truth)
            normal_forms.setdefault(key, []).append(pair)

        # 4-5. rules, then the taxonomy; what neither settles needs a judge.
        by_key: dict[PairKey, Grade] = {}
        needs_judge: dict[PairKey, JudgeRequest] = {}
        for n, key in enumerate(normal_forms):
            await _breathe(n)
            corrected = plan.corrections.get((key.ground_truth, key.prediction, key.taxonomy))
            bound_to = corrected.change.taxonomy_version if corrected is not None else None
            if corrected is not None and bound_to in (None, content_version(plan.taxonomies[key.taxonomy])):
                reason = f"correction {corrected.id} (version {corrected.version}) by {corrected.change.who}"
                by_key[key] = Grade(Status.OK, corrected.category, Source.HUMAN, reason=reason)
                continue
            outcome = _settle(key, plan.taxonomies[key.taxonomy])
            if isinstance(outcome, Grade):
                by_key[key] = self._interned.setdefault(outcome, outcome)  # one object per distinct verdict
            else:
                needs_judge[key] = outcome

        # 6-8. cache, single-flight and the judge; each such grade says why the exact tiers stopped.
        if needs_judge:
            reasons = {
                key: why_unsettled(key.ground_truth, request.prediction, plan.taxonomies[key.taxonomy])
                for key, request in needs_judge.items()
            }
            for key, why in reasons.items():
                self._observer.judge_reason(why, key.taxonomy)
            if plan.judge is None:
                missing = Grade.failed(
                    Status.NO_JUDGE,
                    "this pair needs an LLM judge and none is configured (see the README: judges)",
                )
                judged = dict.fromkeys(needs_judge, missing)
            else:
                judged = await self._judge_tier.grade(needs_judge, plan.judge)
            by_key.update({key: replace(judged[key], reason=reasons[key].code) for key in needs_judge})

        for key, originals in normal_forms.items():
            for pair in originals:
                settled[pair] = by_key[key]
        return settled

    async def check_ready(self) -> dict[str, str]:
        """Readiness of each dependency: 'ok' or the reason it is not usable."""
        checks: dict[str, str] = {}
        if self._judge_tier.has_cache:
            checks["cache"] = await _probe(self._judge_tier.check_cache())
        for name, judge in self.judges.items():
            checks[f"judge:{name}"] = await _probe(judge.check_ready())
        return checks

    async def aclose(self) -> None:
        await self._judge_tier.aclose()
        for judge in self.judges.values():
            await judge.aclose()


# A big batch is graded in slices: between two, the event loop serves other requests (health
# checks, small batches), so the largest batch never stalls the process for more than a slice.
_SLICE = 64


async def _breathe(n: int) -> None:
    if n % _SLICE == _SLICE - 1:
        await asyncio.sleep(0)


def _settle(key: PairKey, tree: LabelTaxonomy | None) -> Grade | JudgeRequest:
    """The grade rules or the taxonomy give a pair, or what to ask the judge."""
    verdict = apply_rules(key.ground_truth, key.prediction, key.raw_prediction, tree, key.raw_ground_truth)
    if isinstance(verdict, RuleVerdict):
        return Grade(Status.OK, verdict.category, Source.RULE, reason=verdict.reason)
    prediction = key.prediction if verdict is None else verdict.text  # a list of one concept: its reading
    if tree is not None and (category := tree.categorise(key.ground_truth, prediction)) is not None:
        return Grade(Status.OK, category, Source.TAXONOMY)
    return judge_request(key.ground_truth, prediction, tree)


def judge_request(ground_truth: str, prediction: str, tree: LabelTaxonomy | None) -> JudgeRequest:
    """What the judge is asked for a normalised pair: with the taxonomy's lineage of the ground
    truth as context, and where that context came from (for the cache key)."""
    context = tree.describe_lineage(ground_truth) if tree is not None else None
    source = f"{tree.name}@{tree.version}" if context is not None else None
    return JudgeRequest(ground_truth, prediction, context, source)


async def _probe(check) -> str:
    try:
        await check
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return "ok"

"""``verifier evaluate-judge``: how well a judge, and the rules and taxonomies before it, grade
hand-labelled pairs. A user picks a judge with it.

Input: JSONL lines ``{"ground_truth", "prediction", "category", "domain"?, "taxonomy"?,
"split"?, "reason"?}`` (``tests/data/labelled_pairs.jsonl`` is one such set; ``split`` picks a
part of it, e.g. the held-out ``test`` pairs). Each pair is graded through
the service's whole pipeline (rules, taxonomies, cache-free judge calls), or with ``no_rules``
by the judge alone (asked exactly what the pipeline asks it: the pair defused and normalised,
with its taxonomy lineage as context), or with ``no_judge`` by the rules and taxonomies alone
(what they leave is counted as ``unsettled``, apart from errors). The report (``summarise``)
gives, over the pairs that got a grade:

- agreement: the share graded exactly as labelled;
- flips: correct labelled wrong, or wrong labelled correct (any of the four correct categories);
- the confusion matrix (labelled x graded, with a column for errors);
- per domain: pairs, graded, agreement, flips;
- tiers: which tier settled each pair (rule, taxonomy, judge, ...), and errors;
- calibration of the judge's grades from the probabilities it returned: expected calibration
  error over ten confidence bins, and the agreement and coverage above each threshold;
- escalations, for an escalating judge: how many pairs went on to its second judge.
- unsettled by reason: why the exact tiers left pairs to the judge, and the ground truths a taxonomy lacks.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from verifier_service.grading import CATEGORY_NAMES, GradeInput, Judgement, Source, Status, normalise
from verifier_service.grading.grader import judge_request
from verifier_service.grading.unicode_safety import defuse
from verifier_service.grading.unsettled import UNKNOWN_GROUND_TRUTH

CORRECT = frozenset({"specific", "more specific", "less specific", "generic"})
THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.9)
ERROR_COLUMN = "error"
UNSETTLED = "unsettled"  # no judge was asked (``no_judge``) and neither rules nor taxonomies settled it


@dataclass(frozen=True)
class LabelledPair:
    ground_truth: str
    prediction: str
    category: str
    domain: str = "all"
    taxonomy: str | None = None
    split: str | None = None


@dataclass(frozen=True)
class GradedPair:
    pair: LabelledPair
    category: str | None  # None: not graded (an error)
    source: str | None  # rule, taxonomy, judge, cache, memo
    confidence: float | None  # the judge's top probability, when it gave probabilities
    error: str | None = None
    unsettled: str | None = None  # sent to the judge (or left unsettled): why the exact tiers stopped


def read_pairs(path: Path, *, split: str | None = None) -> list[LabelledPair]:
    """The labelled pairs of a JSONL file (those of ``split`` when given); a malformed line is a
    ``ValueError`` naming it."""
    pairs = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}:{number}: not JSON: {exc}") from None
        if not isinstance(row, dict) or not all(isinstance(row.get(k), str) for k in ("ground_truth", "prediction")):
            raise ValueError(f"{path}:{number}: needs string fields ground_truth and prediction")
        if row.get("category") not in CATEGORY_NAMES:
            raise ValueError(f"{path}:{number}: category must be one of {list(CATEGORY_NAMES)}")
        taxonomy = row.get("taxonomy")
        if taxonomy is not None and not isinstance(taxonomy, str):
            raise ValueError(f"{path}:{number}: taxonomy must be a string or null")
        part = row.get("split")
        if part is not None and not isinstance(part, str):
            raise ValueError(f"{path}:{number}: split must be a string or null")
        domain = str(row.get("domain") or taxonomy or "all")
        pairs.append(LabelledPair(row["ground_truth"], row["prediction"], row["category"], domain, taxonomy, part))
    if not pairs:
        raise ValueError(f"{path}: no pairs")
    if split is not None:
        found = sorted({p.split for p in pairs if p.split is not None})
        pairs = [p for p in pairs if p.split == split]
        if not pairs:
            raise ValueError(f"{path}: no pairs in split {split!r} (splits in the file: {found or 'none'})")
    return pairs


def is_flip(labelled: str, graded: str) -> bool:
    return (labelled in CORRECT and graded == "wrong") or (labelled == "wrong" and graded in CORRECT)


def _agreement(graded: Sequence[GradedPair]) -> dict[str, Any]:
    done = [g for g in graded if g.category is not None]
    agree = sum(g.category == g.pair.category for g in done)
    flips = sum(is_flip(g.pair.category, g.category) for g in done)  # type: ignore[arg-type]
    return {
        "pairs": len(graded),
        "graded": len(done),
        "agreement": agree / len(done) if done else None,
        "flips": flips,
        "flip_rate": flips / len(done) if done else None,
    }


def calibration(graded: Sequence[GradedPair], bins: int = 10) -> dict[str, Any]:
    """Expected calibration error of the judge's top probability, and agreement above thresholds."""
    scored = [(g.confidence, g.category == g.pair.category) for g in graded if g.confidence is not None]
    if not scored:
        return {"pairs": 0, "ece": None, "above": []}
    buckets: dict[int, list[tuple[float, bool]]] = defaultdict(list)
    for confidence, right in scored:
        buckets[min(int(confidence * bins), bins - 1)].append((confidence, right))
    ece = sum(
        len(items) / len(scored) * abs(sum(c for c, _ in items) / len(items) - sum(r for _, r in items) / len(items))
        for items in buckets.values()
    )
    above = []
    for threshold in THRESHOLDS:
        kept = [right for confidence, right in scored if confidence >= threshold]
        above.append(
            {
                "threshold": threshold,
                "coverage": len(kept) / len(scored),
                "agreement": sum(kept) / len(kept) if kept else None,
            }
        )
    return {"pairs": len(scored), "ece": ece, "above": above}


def _column(g: GradedPair) -> str:
    return g.category or (UNSETTLED if g.source == UNSETTLED else ERROR_COLUMN)


def summarise(graded: Sequence[GradedPair], *, escalated: int | None = None) -> dict[str, Any]:
    unsettled = [UNSETTLED] if any(g.source == UNSETTLED for g in graded) else []
    columns = [*CATEGORY_NAMES, *unsettled, ERROR_COLUMN]
    confusion = {row: dict.fromkeys(columns, 0) for row in CATEGORY_NAMES}
    for g in graded:
        confusion[g.pair.category][_column(g)] += 1
    by_domain: dict[str, list[GradedPair]] = defaultdict(list)
    for g in graded:
        by_domain[g.pair.domain].append(g)
    tiers = Counter(g.source or ERROR_COLUMN for g in graded)
    flips = [
        {"ground_truth": g.pair.ground_truth, "prediction": g.pair.prediction, "labelled": g.pair.category,
         "graded": g.category, "source": g.source}
        for g in graded if g.category is not None and is_flip(g.pair.category, g.category)
    ]  # fmt: skip
    judged = [g for g in graded if g.source == "judge"]
    return {
        "overall": _agreement(graded),
        "judge_tier": _agreement(judged),
        "tiers": {tier: count / len(graded) for tier, count in tiers.most_common()},
        "domains": {name: _agreement(items) for name, items in sorted(by_domain.items())},
        "confusion": {"rows": list(CATEGORY_NAMES), "columns": columns, "counts": confusion},
        "calibration": calibration(judged),
        "escalated": escalated,
        "flips": flips,
        "errors": Counter(g.error for g in graded if g.error).most_common(5),
        "unsettled_by_reason": dict(Counter(g.unsettled for g in graded if g.unsettled).most_common()),
        "unknown_ground_truths": Counter(
            g.pair.ground_truth for g in graded if g.unsettled == UNKNOWN_GROUND_TRUTH
        ).most_common(10),
    }


def _percent(value: float | None) -> str:
    return "  n/a" if value is None else f"{100 * value:5.1f}%"


def format_report(report: dict[str, Any], title: str) -> str:
    overall, judge = report["overall"], report["judge_tier"]
    lines = [
        title,
        f"pairs {overall['pairs']}, graded {overall['graded']}; agreement {_percent(overall['agreement'])}, "
        f"correct/wrong flips {overall['flips']} ({_percent(overall['flip_rate'])})",
        f"judge tier alone: {judge['graded']} graded, agreement {_percent(judge['agreement'])}, "
        f"flips {judge['flips']} ({_percent(judge['flip_rate'])})",
        "settled by: " + ", ".join(f"{tier} {_percent(share)}" for tier, share in report["tiers"].items()),
    ]
    if report["escalated"] is not None:
        lines.append(f"escalated to the second judge: {report['escalated']} pairs")
    if corrections := report.get("corrections"):
        active = corrections["active_in_store"]
        lines.append(
            f"human corrections: {active} active in the store, applied"
            if corrections["applied"]
            else f"human corrections: {active} active in the store, left out (--with-corrections applies them)"
        )
    if reasons := report.get("unsettled_by_reason"):
        lines.append(
            "left to the judge by the exact tiers, by reason: " + ", ".join(f"{r} {n}" for r, n in reasons.items())
        )
    if unknown := report.get("unknown_ground_truths"):
        lines.append("  ground truths the taxonomy lacks: " + ", ".join(f"{t!r} ({n})" for t, n in unknown))
    lines += ["", "confusion (rows: labelled, columns: graded)"]
    columns = report["confusion"]["columns"]
    short = {"more specific": "more", "less specific": "less", "specific": "spec", "generic": "gen"}
    lines.append(f"{'':>14}" + "".join(f"{short.get(c, c)[:7]:>8}" for c in columns))
    for row in report["confusion"]["rows"]:
        counts = report["confusion"]["counts"][row]
        lines.append(f"{row:>14}" + "".join(f"{counts[c]:>8}" for c in columns))
    lines += ["", f"{'domain':16}{'pairs':>7}{'graded':>8}{'agree':>8}{'flips':>7}"]
    for name, d in report["domains"].items():
        lines.append(f"{name:16}{d['pairs']:>7}{d['graded']:>8}{_percent(d['agreement']):>8}{d['flips']:>7}")
    cal = report["calibration"]
    if cal["pairs"]:
        lines += ["", f"calibration of the judge's {cal['pairs']} grades: ECE {cal['ece']:.3f}"]
        for row in cal["above"]:
            lines.append(
                f"  top probability >= {row['threshold']:.1f}: coverage {_percent(row['coverage'])}, "
                f"agreement {_percent(row['agreement'])}"
            )
    if report["flips"]:
        lines += ["", "flips:"] + [
            f"  {f['ground_truth']!r} / {f['prediction']!r}: labelled {f['labelled']}, graded {f['graded']} "
            f"({f['source']})"
            for f in report["flips"][:20]
        ]
    return "\n".join(lines)


def write_confusion_png(report: dict[str, Any], path: Path, title: str) -> Path:
    """The confusion matrix as a heat map (rows: labelled, columns: graded), counts in the cells."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows, columns = report["confusion"]["rows"], report["confusion"]["columns"]
    counts = [[report["confusion"]["counts"][r][c] for c in columns] for r in rows]
    figure, axes = plt.subplots(figsize=(8.5, 6))
    image = axes.imshow(counts, cmap="Blues")
    axes.set_xticks(range(len(columns)), labels=columns, rotation=35, ha="right")
    axes.set_yticks(range(len(rows)), labels=rows)
    axes.set_xlabel("graded")
    axes.set_ylabel("labelled")
    peak = max(max(r) for r in counts) or 1
    for i, row in enumerate(counts):
        for j, value in enumerate(row):
            if value:
                axes.text(j, i, str(value), ha="center", va="center", color="white" if value > peak / 2 else "black")
    overall = report["overall"]
    axes.set_title(f"{title}\nagreement {_percent(overall['agreement']).strip()}, flips {overall['flips']}")
    figure.colorbar(image, ax=axes, shrink=0.8)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return path


async def grade_labelled(
    services: Any, pairs: Sequence[LabelledPair], *, judge: str | None, no_rules: bool, no_judge: bool = False
) -> tuple[list[GradedPair], int | None]:
    """Grade every pair with the built services: the whole pipeline, the judge alone (``no_rules``)
    or the rules and taxonomies alone (``no_judge``)."""
    grader = services.grader
    if no_judge and no_rules:
        raise ValueError("no rules and no judge leaves nothing to grade with")
    if no_judge:
        return await _grade_without_judge(grader, pairs, services.settings.max_items_per_request), None
    name = judge or grader.default_judge  # the grader's default is its only judge when it has one
    if name not in grader.judges:
        raise ValueError(f"judge {name!r} is not configured (configured: {sorted(grader.judges)})")
    chosen = grader.judges[name]
    before = getattr(chosen, "escalated", None)
    graded: list[GradedPair] = []
    if no_rules:
        size = services.settings.judge_batch_size
        for start in range(0, len(pairs), size):
            chunk = pairs[start : start + size]
            requests = []
            for pair in chunk:  # the request the pipeline would send, had nothing settled the pair
                taxonomy_name = pair.taxonomy or grader.default_taxonomy
                tree = services.taxonomies.get(taxonomy_name) if taxonomy_name else None
                prediction = normalise(defuse(pair.prediction))
                requests.append(judge_request(normalise(pair.ground_truth), prediction, tree))
            try:
                outcomes = list(await chosen.judge(requests))
            except Exception as exc:  # the chunk is unscorable, as in the service
                outcomes = [exc] * len(chunk)
            for pair, outcome in zip(chunk, outcomes, strict=True):
                if isinstance(outcome, Judgement):
                    confidence = max(outcome.probabilities.values()) if outcome.probabilities else None
                    graded.append(GradedPair(pair, outcome.category.value, "judge", confidence))
                else:
                    graded.append(GradedPair(pair, None, None, None, str(getattr(outcome, "reason", outcome))))
    else:
        size = services.settings.max_items_per_request
        for start in range(0, len(pairs), size):
            chunk = pairs[start : start + size]
            inputs = [GradeInput(p.ground_truth, p.prediction, p.taxonomy) for p in chunk]
            result = await grader.grade(inputs, judge=name)
            for pair, grade in zip(chunk, result.grades, strict=True):
                category = grade.category.value if grade.category else None
                confidence = max(grade.probabilities.values()) if grade.probabilities else None
                source = grade.source.value if grade.source else None
                why = _unsettled(source, grade.status.value, grade.reason)
                graded.append(GradedPair(pair, category, source, confidence, grade.error, why))
    escalated = None if before is None else chosen.escalated - before
    return graded, escalated


def graded_from_answers(pairs: Sequence[LabelledPair], answers: Sequence[dict[str, Any]]) -> list[GradedPair]:
    """The labelled pairs with a service's ``/grade`` answers (``evaluate-judge --url``)."""
    graded = []
    for pair, answer in zip(pairs, answers, strict=True):
        probabilities = answer.get("probabilities") or {}
        why = _unsettled(answer.get("source"), answer.get("status"), answer.get("reason"))
        graded.append(
            GradedPair(pair, answer.get("category"), answer.get("source"),
                       max(probabilities.values()) if probabilities else None, answer.get("error"), why)
        )  # fmt: skip
    return graded


def _unsettled(source: str | None, status: str | None, reason: str | None) -> str | None:
    """Why the exact tiers left a grade to the judge: its ``reason`` where a judge was asked (graded
    afresh or from the cache, or failed); a rule's reason is another thing."""
    judged = source in (Source.JUDGE.value, Source.CACHE.value) or status != Status.OK.value
    return reason if judged else None


async def _grade_without_judge(grader: Any, pairs: Sequence[LabelledPair], size: int) -> list[GradedPair]:
    """The rules and taxonomies alone: a pair they leave to a judge is ``unsettled``, not an error."""
    graded = []
    for start in range(0, len(pairs), size):
        chunk = pairs[start : start + size]
        result = await grader.grade([GradeInput(p.ground_truth, p.prediction, p.taxonomy) for p in chunk])
        for pair, grade in zip(chunk, result.grades, strict=True):
            if grade.status is Status.NO_JUDGE:
                graded.append(GradedPair(pair, None, UNSETTLED, None, None, grade.reason))
            else:
                category = grade.category.value if grade.category else None
                graded.append(
                    GradedPair(pair, category, grade.source.value if grade.source else None, None, grade.error)
                )
    return graded

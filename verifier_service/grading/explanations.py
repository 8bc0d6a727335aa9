"""Why an item got its grade: the rule and what it matched, the taxonomy's nodes and relation, or
the judge's distribution and prompt. Worked out again on request, from the same steps the grader
took, so grading itself carries no explanation (and a cached or memoised grade explains alike)."""

from __future__ import annotations

from typing import Any

from verifier_service.grading.normalise import dropped_words, normalise
from verifier_service.grading.ports import LabelTaxonomy
from verifier_service.grading.rules import Reading, apply_rules
from verifier_service.grading.types import Grade, GradeInput, Source, Status
from verifier_service.grading.unicode_safety import defuse
from verifier_service.grading.unsettled import unsettled

_RELATION_WORDS = {
    "same": "names the same node as",
    "above": "lies above",
    "below": "lies under",
    "different": "differs from",
}


def _reading(item: GradeInput, tree: LabelTaxonomy | None) -> tuple[str, str, Reading | None]:
    """The normalised pair as the taxonomy and judge saw it (after a list of one concept was read as one name)."""
    prediction = defuse(item.prediction)
    truth, normal = normalise(item.ground_truth), normalise(prediction)
    verdict = apply_rules(truth, normal, prediction, tree, item.ground_truth)
    reading = verdict if isinstance(verdict, Reading) else None
    return truth, reading.text if reading is not None else normal, reading


def _dropped(item: GradeInput) -> dict[str, Any]:
    """What the answer was read without (hedges, "a photo of a"): quoted, so that a grade never
    hides the words it ignored."""
    before, after = dropped_words(normalise(defuse(item.prediction)))
    if not (before or after):
        return {}
    quoted = " and ".join(f'"{w}"' for w in (before, after) if w)
    return {"note": f" (read without {quoted})", "fields": {"dropped": [w for w in (before, after) if w]}}


def _taxonomy_explanation(truth: str, prediction: str, tree: LabelTaxonomy | None) -> dict[str, Any]:
    explain_pair = getattr(tree, "explain_pair", None)
    explained = explain_pair(truth, prediction) if explain_pair is not None else None
    if explained is not None:
        return explained
    if tree is None:  # a cached grade from a taxonomy since replaced or deleted
        return {"text": "settled by a taxonomy that is no longer loaded"}
    relation = tree.relate(prediction, truth)
    words = _RELATION_WORDS.get(relation or "", "relates to")
    return {"taxonomy": f"{tree.name}@{tree.version}", "text": f'in {tree.name}, "{prediction}" {words} "{truth}"'}


def explain_grade(
    item: GradeInput, grade: Grade, tree: LabelTaxonomy | None, *, judge: str | None, prompt_version: str
) -> dict[str, Any]:
    """An item's explanation: ``tier``, a one-line ``text``, and what that tier matched or computed."""
    if grade.status is not Status.OK:
        explained: dict[str, Any] = {"tier": grade.status.value, "text": grade.error}
        if grade.status in (Status.JUDGE_ERROR, Status.NO_JUDGE):  # it was sent to a judge: say why
            truth, prediction, _ = _reading(item, tree)
            explained["unsettled"] = unsettled(truth, prediction, tree).fields()
        return explained
    if grade.source is Source.HUMAN:
        return {"tier": "human", "correction": grade.reason, "text": f"{grade.reason} -> {grade.category.value}"}  # type: ignore[union-attr]
    dropped = _dropped(item)
    if grade.source is Source.RULE:
        text = f"rule: {grade.reason}{dropped.get('note', '')} -> {grade.category.value}"  # type: ignore[union-attr]
        return {"tier": "rule", "rule": grade.reason, "text": text, **dropped.get("fields", {})}
    truth, prediction, reading = _reading(item, tree)
    read = {"reading": prediction, "read_as_one_name": reading.reason} if reading is not None else {}
    if grade.source is Source.TAXONOMY:
        explained = _taxonomy_explanation(truth, prediction, tree)
        text = explained.get("text", "") + dropped.get("note", "")
        return {"tier": "taxonomy", **explained, "text": text, **read, **dropped.get("fields", {})}
    probabilities = dict(grade.probabilities) if grade.probabilities else None
    top = f" (p={max(probabilities.values()):.2f})" if probabilities else ""
    cached = " (a cached verdict)" if grade.source is Source.CACHE else ""
    why = unsettled(truth, prediction, tree)
    return {
        "tier": "judge",
        "judge": judge,
        "prompt_version": prompt_version,
        "probabilities": probabilities,
        "pair": {"ground_truth": truth, "prediction": prediction},
        "unsettled": why.fields(),
        "text": f"{why.text}. Judge {judge} chose {grade.category.value}{top} with prompt {prompt_version}{cached}",  # type: ignore[union-attr]
        **read,
    }

"""Why the exact tiers left a pair to the judge: which names the taxonomy knew, and where it stopped."""

from __future__ import annotations

from verifier_service.grading.ports import LabelTaxonomy
from verifier_service.grading.types import Unsettled

# Reason codes (the ``reason`` label of ``verifier_judge_reasons_total``), in the order they are tried.
NO_TAXONOMY = "no taxonomy"
UNKNOWN_GROUND_TRUTH = "unknown ground truth"
UNKNOWN_PREDICTION = "unknown prediction"
UNSURE_MEMBER = "unsure group member"
OPEN_OVERLAP = "declared overlap"
UNRELATED_SENSES = "no relation between the senses"
REASONS = (NO_TAXONOMY, UNKNOWN_GROUND_TRUTH, UNKNOWN_PREDICTION, UNSURE_MEMBER, OPEN_OVERLAP, UNRELATED_SENSES)


def unsettled(ground_truth: str, prediction: str, tree: LabelTaxonomy | None) -> Unsettled:
    """The reason for a normalised pair that rules and ``tree`` left open (``tree.categorise`` gave
    ``None``). The checks only read names: no judge, no I/O."""
    if tree is None:
        return Unsettled(
            NO_TAXONOMY,
            "no taxonomy was named (and none is the default), and no rule settles the words: name a taxonomy "
            "that has both, or enable WordNet",
        )
    name = getattr(tree, "name", "the taxonomy")
    if not tree.knows(ground_truth):
        closest = tuple(getattr(tree, "closest_names", lambda _t: ())(ground_truth))
        hint = f"; its closest names: {', '.join(closest)} (a typo in the label?)" if closest else ""
        return Unsettled(
            UNKNOWN_GROUND_TRUTH,
            f'{name} does not know the ground truth "{ground_truth}"{hint}: add it (or a synonym) to settle its pairs',
            closest,
            ground_truth,
        )
    if not tree.knows(prediction):
        return Unsettled(
            UNKNOWN_PREDICTION,
            f'{name} knows "{ground_truth}" but not the answer "{prediction}" (a name it lacks, or a description): '
            "a synonym or a node would settle it",
            term=prediction,
        )
    group = getattr(tree, "group", lambda _t: None)(prediction)
    if group is not None:
        return Unsettled(
            UNSURE_MEMBER,
            f'"{prediction}" is the group "{group.name}", which lists "{ground_truth}" as unsure: the judge decides',
        )
    lookup = getattr(tree, "lookup", None)  # a declared taxonomy's nodes (WordNet has senses instead)
    if lookup is not None and lookup(ground_truth) is not None and lookup(prediction) is not None:
        return Unsettled(
            OPEN_OVERLAP,
            f'{name} knows both, and an overlap it declares between their lineages leaves "{prediction}" for '
            f'"{ground_truth}" open: the judge decides',
        )
    return Unsettled(
        UNRELATED_SENSES,
        f'{name} has senses of both "{ground_truth}" and "{prediction}" but none that lie on one line (the same '
        "thing, above or below): a taxonomy that has both would settle it",
    )

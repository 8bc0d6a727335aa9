"""Why a taxonomy settled a pair: the nodes each side names and the relation between them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from verifier_service.grading.categories import Category

if TYPE_CHECKING:
    from verifier_service.taxonomy.model import Node, Taxonomy


def _node(node: Node) -> dict[str, Any]:
    return {"name": node.name, "rank": node.rank}


def _named(node: Node) -> str:
    return f'"{node.name}"' + (f" ({node.rank})" if node.rank else "")


def _nearest_common_ancestor(taxonomy: Taxonomy, a: Node, b: Node) -> Node | None:
    above_a = {n.name for n in taxonomy.lineage(a)}
    return next((n for n in taxonomy.lineage(b) if n.name in above_a), None)


def _relation_text(taxonomy: Taxonomy, truth: Node, guess: Node, category: Category) -> tuple[str, str]:
    """(relation, sentence) for two nodes the taxonomy related as ``category``."""
    if truth is guess:
        return "same node", f"the prediction names {_named(truth)}, the ground truth's own node"
    if category in (Category.LESS_SPECIFIC, Category.GENERIC):
        steps = taxonomy._tree.steps_up(truth.name, guess.name)
        how = f"{_named(guess)} is {steps} level{'s' if steps != 1 else ''} above {_named(truth)}"
        if guess.rank and taxonomy.close_ranks:
            close = guess.rank.lower() in taxonomy.close_ranks
            ranks = ", ".join(sorted(taxonomy.close_ranks))
            rule = f"rank {guess.rank} is {'' if close else 'not '}a close rank ({ranks})"
        else:
            close = steps <= taxonomy.close_distance
            rule = f"{'within' if close else 'beyond'} the close distance of {taxonomy.close_distance}"
        return "ancestor", f"{how}; {rule} -> {category.value}"
    if category is Category.MORE_SPECIFIC:
        return "descendant", f"{_named(guess)} is under {_named(truth)} -> more specific"
    if truth.name in taxonomy.classes and guess.name in taxonomy.classes:
        return "other class", f"{_named(guess)} and {_named(truth)} are two different classes of the dataset -> wrong"
    common = _nearest_common_ancestor(taxonomy, truth, guess)
    where = f"; they meet only at {_named(common)}" if common is not None else " (different roots)"
    return "other branch", f"{_named(guess)} is not on the lineage of {_named(truth)}{where} -> wrong"


def explain_pair(taxonomy: Taxonomy, ground_truth: str, prediction: str) -> dict[str, Any] | None:
    """How ``taxonomy.categorise`` reached its category for the pair, or ``None`` when it settles none."""
    category = taxonomy.categorise(ground_truth, prediction)
    truth = taxonomy.lookup(ground_truth)
    if category is None or truth is None:
        return None
    explained: dict[str, Any] = {"taxonomy": f"{taxonomy.name}@{taxonomy.version}", "ground_truth_node": _node(truth)}
    guess = taxonomy.lookup(prediction)
    if guess is None and (guess := taxonomy.class_with_ancestor(prediction)) is not None:
        explained["note"] = f'"{prediction}" names {_named(guess)} together with one of its ancestors'
    if guess is not None:
        relation, text = _relation_text(taxonomy, truth, guess, category)
        return {**explained, "prediction_node": _node(guess), "relation": relation, "text": text}
    group = taxonomy.group(prediction)
    if group is not None:
        inside = category is not Category.WRONG
        text = (
            f'"{prediction}" is the group "{group.name}"; {_named(truth)} is '
            f"{'among its members' if inside else 'not among the members of this exhaustive group'} -> {category.value}"
        )
        return {**explained, "prediction_group": group.name, "relation": "group", "text": text}
    named = taxonomy.named_nodes(prediction)
    return {
        **explained,
        "prediction_nodes": [_node(n) for n in named],
        "relation": "several classes",
        "text": "the answer names several nodes on different branches ("
        + ", ".join(_named(n) for n in named)
        + ") -> wrong",
    }

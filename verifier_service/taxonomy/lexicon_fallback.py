"""A dataset taxonomy with WordNet under it, for broad words the taxonomy does not list.

A dataset taxonomy names its classes and their groups, not every broader word a classifier may
use: "animal", "vertebrate", "organism" for a warbler, "motor vehicle" for a sedan. A node can
name the WordNet synset of its concept (``wordnet: bird.n.01`` on the root of cub-200); then,
for a prediction the taxonomy does not know at all (no node, no group, no class named with its
ancestor, not several classes), WordNet decides, and only this: a prediction whose WordNet
sense is that synset names the node (and is graded as the node), and one whose sense lies above
it is ``generic`` (the nearest ``tree_index.MAX_ANCHORS`` anchored nodes of a lineage are
consulted; a prediction's senses in an anchor's own lexicographer file count, so "disease" lies
above a root anchored to plant_disease.n.01). Nothing else: WordNet never settles ``wrong`` here,
and never reads a prediction against a sense the taxonomy did not anchor ("bird" for the flower
"bird of paradise" finds no anchor above it, and goes to the judge).

A ground truth the taxonomy does not know at all is read against WordNet alone, where WordNet
knows both names (the ``wordnet`` taxonomy's own reading, never ``wrong``); every taxonomy is so
wrapped while WordNet is loaded, anchored or not.
"""

from __future__ import annotations

from typing import Any

from verifier_service.grading.categories import Category
from verifier_service.grading.ports import Relation
from verifier_service.taxonomy.model import Taxonomy
from verifier_service.taxonomy.wordnet import WordNetTaxonomy


class WithLexiconFallback:
    """``taxonomy`` for everything it knows; ``wordnet`` for broad words above its anchored nodes."""

    def __init__(self, taxonomy: Taxonomy, wordnet: WordNetTaxonomy) -> None:
        self.taxonomy = taxonomy
        self.wordnet = wordnet
        self.name = taxonomy.name
        self.version = f"{taxonomy.version}+{wordnet.version}"
        self.content_version = taxonomy.version  # the file's own: what a correction is bound to
        self.description = taxonomy.description

    def categorise(self, ground_truth: str, prediction: str) -> Category | None:
        settled = self.taxonomy.categorise(ground_truth, prediction)
        if settled is not None:
            return settled
        truth = self.taxonomy.lookup(ground_truth)
        if truth is None:
            return self._label_unknown_here(ground_truth, prediction)
        if self.taxonomy.knows(prediction) or self.taxonomy.names_several_classes(prediction):
            return None  # the taxonomy left it to the judge on purpose (an overlap, an unsure group member)
        anchored = [(node, anchor) for node in self.taxonomy.anchored_lineage(truth)
                    if (anchor := self.wordnet.synset(node.wordnet)) is not None]  # fmt: skip
        # The anchors' own lexicographer files count too: "disease" (noun.state) above a plant_disease.n.01 anchor.
        domains = frozenset(anchor.lexname() for _, anchor in anchored)
        guesses = self.wordnet.senses(prediction, broad=True, also=domains)
        found: set[Category] = set()
        for node, anchor in anchored:
            for guess in guesses:
                if guess == anchor:
                    found.add(self.taxonomy.relation(truth, node))  # the prediction names this node
                elif self.wordnet.is_above(anchor, guess):
                    found.add(Category.GENERIC)
        found.discard(None)  # type: ignore[arg-type]
        return found.pop() if len(found) == 1 else None

    def _label_unknown_here(self, ground_truth: str, prediction: str) -> Category | None:
        """A ground truth the taxonomy does not know at all, read against WordNet alone where WordNet
        knows both names: the ``wordnet`` taxonomy's own reading, which never says ``wrong``."""
        if self.taxonomy.knows(ground_truth):
            return None  # a group or a class named with its ancestor: the taxonomy's, left open on purpose
        if not (self.wordnet.knows(ground_truth) and self.wordnet.knows(prediction)):
            return None
        return self.wordnet.categorise(ground_truth, prediction)

    def explain_pair(self, ground_truth: str, prediction: str) -> dict[str, Any] | None:
        explained = self.taxonomy.explain_pair(ground_truth, prediction)
        if explained is not None or (category := self.categorise(ground_truth, prediction)) is None:
            return explained
        truth = self.taxonomy.lookup(ground_truth)
        if truth is None:  # settled by WordNet alone
            through = self.wordnet.explain_pair(ground_truth, prediction) or {}
            return {
                **through,
                "taxonomy": f"{self.name}@{self.version}",
                "relation": "wordnet, for a label the taxonomy lacks",
                "text": f'{self.taxonomy.name} does not know the ground truth "{ground_truth}"; WordNet knows both '
                f"names: {through.get('text', category.value)}",
            }
        anchors = [n.wordnet for n in self.taxonomy.anchored_lineage(truth)]
        return {
            "taxonomy": f"{self.name}@{self.version}",
            "ground_truth_node": {"name": truth.name, "rank": truth.rank},
            "relation": "lexicon",
            "text": f'"{prediction}" is not in {self.taxonomy.name}; in WordNet it names or lies above the '
            f"synset anchored on the ground truth's lineage ({', '.join(anchors)}) -> {category.value}",
        }

    def knows(self, term: str) -> bool:
        return self.taxonomy.knows(term) or self.wordnet.knows(term)

    def relate(self, a: str, b: str) -> Relation | None:
        if self.taxonomy.knows(a) and self.taxonomy.knows(b):
            return self.taxonomy.relate(a, b)  # the taxonomy's word, an open question (an overlap) included
        return self.wordnet.relate(a, b)

    # ---- everything else is the taxonomy's -----------------------------------------------
    def describe_lineage(self, term: str) -> str | None:
        return self.taxonomy.describe_lineage(term)

    def explain(self, term: str) -> dict[str, Any] | None:
        return self.taxonomy.explain(term)

    def summary(self) -> dict[str, Any]:
        return {**self.taxonomy.summary(), "version": self.version, "lexicon_fallback": self.wordnet.name}

    def to_dict(self) -> dict[str, Any]:
        return self.taxonomy.to_dict()

    def __getattr__(self, name: str) -> Any:  # lookup, lineage, nodes, groups, ...
        return getattr(self.taxonomy, name)

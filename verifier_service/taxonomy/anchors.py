"""WordNet anchors checked against the WordNet a service runs: one it lacks is refused, naming the closest synsets."""

from __future__ import annotations

from verifier_service.taxonomy.model import Taxonomy
from verifier_service.taxonomy.wordnet import WordNetTaxonomy


def anchor_problems(taxonomy: Taxonomy, wordnet: WordNetTaxonomy) -> list[str]:
    """One problem per node whose ``wordnet`` synset this WordNet does not have."""
    problems = []
    for node in taxonomy.nodes.values():
        if node.wordnet and wordnet.synset(node.wordnet) is None:
            closest = wordnet.closest_synsets(node.wordnet)
            hint = f"; closest: {', '.join(closest)}" if closest else ""
            problems.append(f"node {node.name!r}: wordnet {node.wordnet!r} is not a WordNet 3.0 noun synset{hint}")
    return problems


def unused_anchors(taxonomy: Taxonomy) -> str | None:
    """What to tell a user whose anchors this service cannot use (WordNet is off), if it has any."""
    anchored = sum(1 for node in taxonomy.nodes.values() if node.wordnet)
    if not anchored:
        return None
    return (
        f"{anchored} wordnet anchor(s) do nothing here: WordNet is off on this service (wordnet: true turns it "
        "on; anchors are then checked, and WordNet's words above an anchor settle as generic)"
    )

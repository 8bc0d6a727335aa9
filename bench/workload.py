"""A seeded GRPO-like workload over the six benchmark domains.

Each sample is a class of one of the bundled taxonomies; each of its rollouts answers with
one of the shapes real rollouts have, with the duplication they have (a policy repeats
itself within a group): the exact name or a spelling variant, a synonym, the parent (less
specific), the root (generic), a sibling class (wrong), a refusal, several options, a free
description no taxonomy knows (for the judge), or no ``<answer>`` at all.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from verifier_service.taxonomy import Taxonomy
from verifier_service.taxonomy.files import bundled_taxonomy_paths, load_taxonomies

LEAF_RANKS = {"species", "variant", "model year", "breed", "dish", "genus", "family"}
DESCRIPTIONS = [
    "small brown bird",
    "a dark object",
    "some kind of vehicle",
    "red and white thing",
    "blurry animal",
    "metal machine",
    "a plant with petals",
    "mixed plate of food",
    "striped creature",
    "unclear shape",
]
REFUSALS = ["I don't know", "None", "cannot tell", "not sure"]

# shape -> weight (out of 100), roughly what a mid-training policy produces
SHAPES = {
    "exact": 30,
    "synonym": 8,
    "parent": 14,
    "root": 8,
    "sibling": 14,
    "refusal": 6,
    "options": 4,
    "description": 10,
    "unparseable": 6,
}


@dataclass(frozen=True)
class Rollout:
    sample_id: str
    domain: str
    ground_truth: str
    completion: str


def _classes(taxonomy: Taxonomy) -> list[str]:
    children = {n.parent for n in taxonomy.nodes.values()}
    return [n.name for n in taxonomy.nodes.values() if n.name not in children]


def generate(samples: int, rollouts: int, seed: int) -> list[Rollout]:
    rng = random.Random(seed)
    taxonomies = load_taxonomies(bundled_taxonomy_paths())
    leaves = {name: _classes(t) for name, t in taxonomies.items()}
    out: list[Rollout] = []
    for index in range(samples):
        domain = rng.choice(sorted(taxonomies))
        taxonomy = taxonomies[domain]
        truth = rng.choice(leaves[domain])
        node = taxonomy.nodes[truth]
        lineage = taxonomy.lineage(node)
        favourites = [rng.choices(list(SHAPES), weights=list(SHAPES.values()))[0] for _ in range(3)]
        for _ in range(rollouts):
            shape = rng.choice(favourites)  # groups repeat themselves
            answer: str | None
            if shape == "exact":
                answer = rng.choice([truth, truth.lower(), f"a photo of a {truth}"])
            elif shape == "synonym":
                answer = rng.choice(node.synonyms) if node.synonyms else truth
            elif shape == "parent":
                answer = lineage[1].name if len(lineage) > 2 else truth
            elif shape == "root":
                answer = lineage[-1].name
            elif shape == "sibling":
                answer = rng.choice(leaves[domain])
            elif shape == "refusal":
                answer = rng.choice(REFUSALS)
            elif shape == "options":
                answer = f"{truth} or {rng.choice(leaves[domain])}"
            elif shape == "description":
                answer = rng.choice(DESCRIPTIONS)
            else:
                answer = None
            completion = "<think>...</think>" + (f"<answer>{answer}</answer>" if answer is not None else "no answer")
            out.append(Rollout(f"{domain}-{index}", domain, truth, completion))
    return out

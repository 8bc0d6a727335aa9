"""Descriptive groups: broad answers that cut across a taxonomy's tree ("airliner", "seabird",
"pickup truck", "hunting dog").

A class has one parent in the tree, but a descriptive word groups classes from many branches,
so a group is not a node: it lists the nodes it covers. It settles a pair only where its
membership is certain::

    groups:
      - name: seabird
        synonyms: [seabirds, sea bird]
        members: [Diomedeidae, Alcidae, Laridae]   # every class under these is a seabird
        unsure: [Pelecanidae, Chlidonias]           # some are, some are not: the judge decides
        exhaustive: true                            # any other class of this taxonomy is not one

For a ground truth under a member the group is a correct but broad answer (``generic``, or the
group's ``category``); under an ``unsure`` node it is left to the judge; anywhere else it is
``wrong`` only when the group is ``exhaustive``, else left to the judge too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from verifier_service.grading.categories import Category
from verifier_service.taxonomy.bounds import check_term_length

_GROUP_FIELDS = {"name", "synonyms", "members", "unsure", "exhaustive", "category"}
_GROUP_CATEGORIES = {Category.GENERIC.value: Category.GENERIC, Category.LESS_SPECIFIC.value: Category.LESS_SPECIFIC}


@dataclass(frozen=True, slots=True)
class DescriptiveGroup:
    name: str
    synonyms: tuple[str, ...]
    members: frozenset[str]  # node names
    unsure: frozenset[str]
    exhaustive: bool
    category: Category = Category.GENERIC

    def relation(self, *, under_member: bool, under_unsure: bool) -> Category | None:
        """The group as an answer for a ground truth that lies (or not) under a member or an unsure node."""
        if under_member:
            return self.category
        if under_unsure or not self.exhaustive:
            return None
        return Category.WRONG

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self.name}
        if self.synonyms:
            data["synonyms"] = list(self.synonyms)
        data["members"] = sorted(self.members)
        if self.unsure:
            data["unsure"] = sorted(self.unsure)
        data["exhaustive"] = self.exhaustive
        if self.category is not Category.GENERIC:
            data["category"] = self.category.value
        return data


def parse_groups(raw: Any, resolve: Any, problems: list[str], max_term_chars: int) -> list[DescriptiveGroup]:
    """Groups from a taxonomy's ``groups`` list; ``resolve(name)`` gives a node's name or ``None``.
    A group's name and synonyms are at most ``max_term_chars`` long."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        problems.append("'groups' must be a list")
        return []
    groups = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not item["name"].strip():
            problems.append(f"group #{index} must be a mapping with a non-empty 'name'")
            continue
        name = item["name"].strip()
        if not check_term_length(name, f"group #{index}: the name", max_term_chars, problems):
            continue
        unknown = set(item) - _GROUP_FIELDS
        if unknown:
            problems.append(f"group {name!r} has unknown fields {sorted(unknown)}")
        lists: dict[str, list[str]] = {}
        for field_name in ("synonyms", "members", "unsure"):
            values = item.get(field_name, [])
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                problems.append(f"group {name!r}: {field_name!r} must be a list of strings")
                values = []
            lists[field_name] = values
        lists["synonyms"] = [
            v for v in lists["synonyms"] if check_term_length(v, f"group {name!r}: a synonym", max_term_chars, problems)
        ]
        resolved: dict[str, set[str]] = {"members": set(), "unsure": set()}
        for field_name in ("members", "unsure"):
            for value in lists[field_name]:
                node = resolve(value)
                if node is None:
                    problems.append(f"group {name!r}: {field_name} names unknown node {value!r}")
                else:
                    resolved[field_name].add(node)
        exhaustive = item.get("exhaustive", False)
        if not isinstance(exhaustive, bool):
            problems.append(f"group {name!r}: 'exhaustive' must be true or false")
            exhaustive = False
        category = _GROUP_CATEGORIES.get(item.get("category", Category.GENERIC.value))
        if category is None:
            problems.append(f"group {name!r}: 'category' must be one of {sorted(_GROUP_CATEGORIES)}")
            category = Category.GENERIC
        groups.append(
            DescriptiveGroup(
                name=name,
                synonyms=tuple(lists["synonyms"]),
                members=frozenset(resolved["members"]),
                unsure=frozenset(resolved["unsure"]),
                exhaustive=exhaustive,
                category=category,
            )
        )
    return groups

"""A label taxonomy: a tree of named concepts that settles grades without a model.

A taxonomy is built from plain data (parsed YAML or JSON)::

    name: my-birds
    close_ranks: [genus, family]   # an ancestor of these ranks is "less specific"
    close_distance: 1              # for ancestors without a rank: this many steps up is close
    nodes:
      - {name: bird}
      - {name: Parulidae, parent: bird, rank: family, synonyms: [New World warbler]}
      - {name: Vermivora, parent: Parulidae, rank: genus}
      - {name: Golden-winged Warbler, parent: Vermivora, rank: species,
         synonyms: [Vermivora chrysoptera]}

It never guesses: a term it does not know makes ``categorise`` return ``None``, and the
pair goes on to the judge. Matching tolerates case, punctuation, dashes, diacritics,
leading filler ("a photo of a"), a plural ending and the spacing of a compound ("humming
bird", "Ford F150": a name written with or without its spaces, when no other name of the
taxonomy is written that way), never spelling differences. A class named together with one of
its own ancestors ("Samoyed dog", "pad thai noodles") is that class.

Optional parts: ``groups`` (``groups.py``: descriptive words such as "airliner" that cut across
the tree) and, per node, ``wordnet: <synset>`` (``bird.n.01``): with WordNet loaded, a broader
word that WordNet places above that synset is a ``generic`` answer for every class under the
node (``lexicon_fallback.py``).
"""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any, TypeVar

from verifier_service.grading.categories import Category
from verifier_service.grading.normalise import label_key, normalise
from verifier_service.grading.ports import Relation
from verifier_service.taxonomy.bounds import MAX_OVERLAPS, MAX_TERM_CHARS, MAX_TEXT_CHARS, check_term_length
from verifier_service.taxonomy.groups import DescriptiveGroup, parse_groups
from verifier_service.taxonomy.tree_index import Spans, TreeIndex
from verifier_service.taxonomy.wordnet import SYNSET_NAME

T = TypeVar("T")


class TaxonomyError(ValueError):
    """The taxonomy data is invalid; the message lists every problem found, and ``problems`` has
    them one by one (a command line prints a line each)."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or [message]

    def located(self, where: str) -> TaxonomyError:
        """The same error, its message and every problem prefixed with where it was found."""
        return TaxonomyError(f"{where}: {self}", [f"{where}: {p}" for p in self.problems])


@dataclass(frozen=True, slots=True)
class Node:
    name: str
    parent: str | None
    rank: str | None
    synonyms: tuple[str, ...]
    # Nodes easily taken for this one by name ("geranium" for a pelargonium): a pair whose
    # lineages meet through an overlap is never settled "wrong" by the tree; the judge decides.
    overlaps: tuple[str, ...] = ()
    wordnet: str | None = None  # a WordNet synset naming this node's concept ("bird.n.01")


TOP_LEVEL_FIELDS = frozenset(
    {"name", "description", "sources", "close_ranks", "close_distance", "nodes", "groups", "classes"}
)
_MAX_SCANNED_WORDS = 64  # answers are short; a longer one is a sentence, wrong by rule already
CONTEXT_LINEAGE = 12  # nodes of a lineage given to a judge as context, nearest first
SHOWN_LINEAGE = 64  # nodes of a lineage shown by a look-up


def term_key(term: str) -> str:
    return label_key(normalise(term))


# Latin and Greek plurals of the last word, longest ending first: "nevi" -> "nevus", "larvae" ->
# "larva", "keratoses" -> "keratosis", "genera" -> "genus", "melanomata" -> "melanoma", "bacteria"
# -> "bacterium", "phenomena" -> "phenomenon", "apices" -> "apex", "matrices" -> "matrix".
_CLASSICAL_PLURALS = (
    ("ices", ("ex", "ix")), ("ata", ("a",)), ("era", ("us",)), ("ses", ("sis",)), ("ae", ("a",)),
    ("ia", ("ium",)), ("a", ("um", "on")), ("i", ("us",)),
)  # fmt: skip


def _singular_forms(key: str) -> Iterable[str]:
    """Plural readings of the last word, most specific first ("puppies" -> "puppy", "nevi" -> "nevus")."""
    for plural, singulars in _CLASSICAL_PLURALS:
        if key.endswith(plural) and len(key.rsplit(" ", 1)[-1]) >= len(plural) + 2:
            for singular in singulars:
                yield key[: -len(plural)] + singular
    if key.endswith("ies") and len(key) > 4:
        yield key[:-3] + "y"
    if key.endswith("es") and len(key) > 3:
        yield key[:-2]
    if key.endswith("s") and not key.endswith("ss") and len(key) > 2:
        yield key[:-1]


@dataclass
class Taxonomy:
    name: str
    nodes: dict[str, Node]  # by name
    close_ranks: frozenset[str] = frozenset()
    close_distance: int = 1
    description: str = ""
    sources: tuple[str, ...] = ()
    version: str = ""
    groups: tuple[DescriptiveGroup, ...] = ()
    # The dataset's own classes: two of them are different things (the dataset keeps them apart)
    # unless one is the other's ancestor or an overlap is declared between the two themselves (a
    # gyoza is a dumpling); overlaps between their ancestors (a model line and its sports version)
    # do not make two classes unsure.
    classes: frozenset[str] = frozenset()
    _by_key: dict[str, str] = field(default_factory=dict, repr=False)
    _by_compact_key: dict[str, str | None] = field(default_factory=dict, repr=False)  # None: ambiguous
    _groups_by_key: dict[str, DescriptiveGroup] = field(default_factory=dict, repr=False)
    _longest_name: int = field(default=1, repr=False)  # in words, for scanning answers
    _index: TreeIndex | None = field(default=None, repr=False)
    _group_spans: dict[str, tuple[Spans, Spans]] = field(default_factory=dict, repr=False)  # members, unsure
    _closest: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False)  # closest_names, remembered

    # ---- construction -------------------------------------------------------------
    @classmethod
    def from_dict(
        cls,
        data: Any,
        *,
        name: str | None = None,
        max_nodes: int | None = None,
        max_term_chars: int = MAX_TERM_CHARS,
    ) -> Taxonomy:
        if not isinstance(data, dict) or not all(isinstance(key, str) for key in data):
            raise TaxonomyError("a taxonomy must be a mapping (with string keys) with a 'nodes' list")
        raw_nodes = data.get("nodes")
        if not isinstance(raw_nodes, list) or not raw_nodes:
            raise TaxonomyError("a taxonomy needs a non-empty 'nodes' list")
        if max_nodes is not None and len(raw_nodes) > max_nodes:
            raise TaxonomyError(f"{len(raw_nodes)} nodes; the limit is {max_nodes}")
        own_name = data.get("name")
        if name is not None and isinstance(own_name, str) and own_name.strip() and own_name.strip() != name:
            raise TaxonomyError(
                f"the file names the taxonomy {own_name.strip()!r}, but it is sent as {name!r}: make them agree "
                "(or leave 'name' out of the file)"
            )
        taxonomy_name = name or own_name
        if not isinstance(taxonomy_name, str) or not taxonomy_name.strip():
            raise TaxonomyError("a taxonomy needs a 'name'")

        problems: list[str] = []
        nodes: dict[str, Node] = {}
        by_key: dict[str, str] = {}
        for index, raw in enumerate(raw_nodes):
            node = _parse_node(raw, index, problems, max_term_chars)
            if node is None:
                continue
            if node.name in nodes:
                problems.append(f"node {node.name!r} is defined twice")
                continue
            nodes[node.name] = node
            for term in (node.name, *node.synonyms):
                key = term_key(term)
                if not key:
                    problems.append(f"node {node.name!r}: {term!r} has no letters or digits")
                    continue
                owner = by_key.setdefault(key, node.name)
                if owner != node.name:
                    problems.append(f"{term!r} (node {node.name!r}) is already a name of node {owner!r}")

        parents_by_key = {term_key(n): n for n in nodes}
        resolved: dict[str, Node] = {}
        for node in nodes.values():
            parent = node.parent
            if parent is not None:
                parent = parents_by_key.get(term_key(parent))
                if parent is None:
                    problems.append(f"node {node.name!r} has unknown parent {node.parent!r}")
            overlaps = []
            for other in node.overlaps:
                target = parents_by_key.get(term_key(other))
                if target is None:
                    problems.append(f"node {node.name!r} overlaps unknown node {other!r}")
                else:
                    overlaps.append(target)
            resolved[node.name] = Node(node.name, parent, node.rank, node.synonyms, tuple(overlaps), node.wordnet)
        problems.extend(_find_cycles(resolved))
        overlap_count = sum(len(node.overlaps) for node in resolved.values())
        if overlap_count > MAX_OVERLAPS:
            problems.append(f"{overlap_count} overlaps declared; the limit is {MAX_OVERLAPS}")

        groups = parse_groups(
            data.get("groups"), lambda term: parents_by_key.get(term_key(term)), problems, max_term_chars
        )
        groups_by_key: dict[str, DescriptiveGroup] = {}
        for group in groups:
            for term in (group.name, *group.synonyms):
                key = term_key(term)
                if key in by_key:
                    problems.append(f"group {group.name!r}: {term!r} is already a name of node {by_key[key]!r}")
                elif (owner := groups_by_key.setdefault(key, group)) is not group:
                    problems.append(f"group {group.name!r}: {term!r} is already a name of group {owner.name!r}")

        unknown_fields = set(data) - TOP_LEVEL_FIELDS
        if unknown_fields:
            problems.append(f"unknown fields {sorted(unknown_fields)}; a taxonomy has {sorted(TOP_LEVEL_FIELDS)}")
        close_ranks = data.get("close_ranks", [])
        close_distance = data.get("close_distance", 1)
        if not isinstance(close_ranks, list) or not all(isinstance(r, str) for r in close_ranks):
            problems.append("'close_ranks' must be a list of rank names")
            close_ranks = []
        used_ranks = {n.rank.strip().lower() for n in resolved.values() if n.rank}
        typos = [r for r in close_ranks if r.strip().lower() not in used_ranks]
        if typos:
            known = ", ".join(sorted(used_ranks)) or "none: no node has a rank"
            problems.append(f"close_ranks names ranks no node has: {typos}; the ranks in this taxonomy: {known}")
        classes = data.get("classes", [])
        if not isinstance(classes, list) or not all(isinstance(c, str) for c in classes):
            problems.append("'classes' must be a list of node names")
            classes = []
        class_names = {parents_by_key.get(term_key(c)) for c in classes}
        if None in class_names:
            unknown = [c for c in classes if parents_by_key.get(term_key(c)) is None]
            problems.append(f"'classes' names unknown nodes {unknown[:10]}")
            class_names.discard(None)
        if not isinstance(close_distance, int) or isinstance(close_distance, bool) or close_distance < 0:
            problems.append("'close_distance' must be a non-negative integer")
            close_distance = 1
        sources = data.get("sources", [])
        for label, text in (("description", data.get("description", "")), *(("source", s) for s in _listed(sources))):
            if len(str(text)) > MAX_TEXT_CHARS:
                problems.append(f"a {label} has {len(str(text))} characters; the limit is {MAX_TEXT_CHARS}")
        if problems:
            shown = _shortened(problems)
            raise TaxonomyError(f"taxonomy {taxonomy_name!r} is invalid: " + "; ".join(shown), shown)

        taxonomy = cls(
            name=taxonomy_name.strip(),
            nodes=resolved,
            close_ranks=frozenset(r.strip().lower() for r in close_ranks),
            close_distance=close_distance,
            description=str(data.get("description", "")),
            sources=tuple(str(s) for s in _listed(sources)),
            groups=tuple(groups),
            classes=frozenset(class_names),  # type: ignore[arg-type]  # None was discarded
            _by_key=by_key,
            _by_compact_key=_compact_index(by_key),
            _groups_by_key=groups_by_key,
        )
        # The version hashes the validated content, not the input's spelling: the same taxonomy
        # saved and loaded again (or reformatted) keeps its version, and so its cache keys.
        taxonomy.version = _content_hash(taxonomy.to_dict())
        taxonomy._longest_name = max(len(key.split()) for key in by_key)
        taxonomy._index_tree()
        return taxonomy

    # ---- queries ------------------------------------------------------------------
    def lookup(self, term: str) -> Node | None:
        """The node a term names, or ``None`` when the taxonomy does not know it."""
        name = _find(term_key(term), self._by_key, self._by_compact_key)
        return None if name is None else self.nodes[name]

    def closest_names(self, term: str, n: int = 3) -> tuple[str, ...]:
        """The names (nodes and groups, in the taxonomy's spelling) closest to a term it does not know:
        a typo in a dataset's label ("Tomato Erly blight") shows its intended class. Linear in the
        taxonomy's size, so remembered per term (a few thousand)."""
        found = self._closest.get(term)
        if found is None:
            spelled = {**{k: self.nodes[v].name for k, v in self._by_key.items()},
                       **{k: g.name for k, g in self._groups_by_key.items()}}  # fmt: skip
            keys = difflib.get_close_matches(term_key(term), list(spelled), n=n, cutoff=0.75)
            found = tuple(dict.fromkeys(spelled[k] for k in keys))
            if len(self._closest) >= 4096:
                self._closest.clear()
            self._closest[term] = found
        return found

    def group(self, term: str) -> DescriptiveGroup | None:
        """The descriptive group a term names, if any."""
        return _find(term_key(term), self._groups_by_key)

    def class_with_ancestor(self, text: str) -> Node | None:
        """The node in "<node> <one of its ancestors>" (either order): "Samoyed dog" is the Samoyed.
        Every word must belong to one of the two names."""
        words = term_key(text).split()[:_MAX_SCANNED_WORDS]
        for cut in range(1, len(words)):
            first, second = self.lookup(" ".join(words[:cut])), self.lookup(" ".join(words[cut:]))
            if first is None or second is None or first is second:
                continue
            if self._tree.is_at_or_above(second.name, first.name):
                return first
            if self._tree.is_at_or_above(first.name, second.name):
                return second
        return None

    def _index_tree(self) -> TreeIndex:
        index = self._index = TreeIndex(self.nodes)
        self._group_spans = {g.name: (index.spans(g.members), index.spans(g.unsure)) for g in self.groups}
        return index

    @property
    def _tree(self) -> TreeIndex:
        return self._index or self._index_tree()  # from_dict builds it; a taxonomy made otherwise, on first use

    def lineage(self, node: Node, limit: int | None = None) -> list[Node]:
        """The node, its parent, its grandparent ... up to the root (the first ``limit`` of them)."""
        chain = [node]
        while chain[-1].parent is not None and (limit is None or len(chain) < limit):
            chain.append(self.nodes[chain[-1].parent])
        return chain

    def describe_lineage(self, term: str) -> str | None:
        """'golden-winged warbler (species) < vermivora (genus) < ...', for a judge's context: the
        nearest ``CONTEXT_LINEAGE`` nodes, so that a deep tree never makes a long prompt."""
        node = self.lookup(term)
        if node is None:
            return None
        chain = self.lineage(node, CONTEXT_LINEAGE + 1)
        text = " < ".join(
            f"{normalise(n.name)} ({n.rank})" if n.rank else normalise(n.name) for n in chain[:CONTEXT_LINEAGE]
        )
        return text + " < ..." if len(chain) > CONTEXT_LINEAGE else text

    def explain(self, term: str) -> dict[str, Any] | None:
        node = self.lookup(term)
        if node is None:
            return None
        chain = self.lineage(node, SHOWN_LINEAGE + 1)
        explained: dict[str, Any] = {
            "node": node.name,
            "rank": node.rank,
            "synonyms": list(node.synonyms),
            "lineage": [{"name": n.name, "rank": n.rank} for n in chain[:SHOWN_LINEAGE]],
        }
        if len(chain) > SHOWN_LINEAGE:
            explained["lineage_truncated"] = True
        return explained

    def anchored_lineage(self, node: Node) -> list[Node]:
        """The nearest nodes at or above ``node`` that name a WordNet synset, nearest first."""
        return [self.nodes[name] for name in self._tree.anchors_above(node.name)]

    def summary(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "description": self.description,
            "sources": list(self.sources),
            "nodes": len(self.nodes),
            "close_ranks": sorted(self.close_ranks),
            "close_distance": self.close_distance,
        }

    def to_dict(self) -> dict[str, Any]:
        """The taxonomy as data again (what ``from_dict`` reads)."""
        return {
            **{k: v for k, v in self.summary().items() if k not in ("version", "nodes")},
            "nodes": [
                {
                    k: v
                    for k, v in (
                        ("name", n.name),
                        ("parent", n.parent),
                        ("rank", n.rank),
                        ("synonyms", list(n.synonyms)),
                        ("overlaps", list(n.overlaps)),
                        ("wordnet", n.wordnet),
                    )
                    if v
                }
                for n in self.nodes.values()
            ],
            **({"groups": [g.to_dict() for g in self.groups]} if self.groups else {}),
            **({"classes": sorted(self.classes)} if self.classes else {}),
        }

    def categorise(self, ground_truth: str, prediction: str) -> Category | None:
        """The category the tree settles for a pair, or ``None`` when either term is unknown.

        An answer the tree does not know as a whole, but in which it finds two classes on
        different branches ("robin, blue jay", "737-800/737-900", "a robin oder a cardinal"),
        lists several options: ``wrong``, whatever joins them.
        """
        truth = self.lookup(ground_truth)
        if truth is None:
            return None
        guess = self.lookup(prediction) or self.class_with_ancestor(prediction)
        if guess is not None:
            return self.relation(truth, guess)
        group = self.group(prediction)
        if group is not None:
            entered = self._tree.entered(truth.name)
            members, unsure = self._group_spans[group.name]
            return group.relation(under_member=members.covers(entered), under_unsure=unsure.covers(entered))
        return Category.WRONG if self.names_several_classes(prediction) else None

    def explain_pair(self, ground_truth: str, prediction: str) -> dict[str, Any] | None:
        """The nodes and the relation behind ``categorise`` (``pair_explanation.py``)."""
        from verifier_service.taxonomy.pair_explanation import explain_pair

        return explain_pair(self, ground_truth, prediction)

    def knows(self, term: str) -> bool:
        """Whether the term names a node or a group (directly, or as a class with its ancestor)."""
        found = self.lookup(term) or self.group(term) or self.class_with_ancestor(term)
        return found is not None

    def relate(self, a: str, b: str) -> Relation | None:
        """How the nodes two terms name relate (``NameLookup``); ``None`` if either is not a node, or
        an overlap leaves it open."""
        first = self.lookup(a) or self.class_with_ancestor(a)
        second = self.lookup(b) or self.class_with_ancestor(b)
        if first is None or second is None:
            return None
        if first is second:
            return "same"
        if self._tree.is_at_or_above(first.name, second.name):
            return "above"
        if self._tree.is_at_or_above(second.name, first.name):
            return "below"
        return "different" if self.relation(first, second) is Category.WRONG else None

    def names_several_classes(self, text: str) -> bool:
        nodes = self.named_nodes(text)
        return any(self.relation(a, b) is Category.WRONG for a, b in combinations(nodes, 2))

    def named_nodes(self, text: str) -> list[Node]:
        """The nodes named in a text, longest names first, left to right, without overlap."""
        words = term_key(text).split()[:_MAX_SCANNED_WORDS]
        found: dict[str, Node] = {}
        start = 0
        while start < len(words):
            for size in range(min(self._longest_name, len(words) - start), 0, -1):
                node = self.lookup(" ".join(words[start : start + size]))
                if node is not None:
                    found.setdefault(node.name, node)
                    start += size
                    break
            else:
                start += 1
        return list(found.values())

    def relation(self, truth: Node, guess: Node) -> Category | None:
        """The category of ``guess`` for ``truth``; ``None`` when an overlap leaves it to the judge."""
        if truth is guess:
            return Category.SPECIFIC
        tree = self._tree
        if tree.is_at_or_above(guess.name, truth.name):
            close = self._is_close(guess, tree.steps_up(truth.name, guess.name))
            return Category.LESS_SPECIFIC if close else Category.GENERIC
        if tree.is_at_or_above(truth.name, guess.name):
            return Category.MORE_SPECIFIC
        if truth.name in self.classes and guess.name in self.classes and not _declared_between(truth, guess):
            return Category.WRONG  # the dataset keeps them apart, whatever overlaps above them say
        if tree.overlapping(truth.name, guess.name):  # a node on one lineage overlaps one on the other
            return None
        return Category.WRONG

    def _is_close(self, ancestor: Node, distance: int) -> bool:
        if ancestor.rank and self.close_ranks:
            return ancestor.rank.lower() in self.close_ranks
        return distance <= self.close_distance


def _declared_between(a: Node, b: Node) -> bool:
    return b.name in a.overlaps or a.name in b.overlaps


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _shortened(problems: list[str], limit: int = 300) -> list[str]:
    """Problems as a message: each cut to ``limit`` characters (a name may be long), at most 50."""
    shown = [p if len(p) <= limit else p[:limit] + "..." for p in problems[:50]]
    return shown + ([f"... and {len(problems) - 50} more problems"] if len(problems) > 50 else [])


def _parse_node(raw: Any, index: int, problems: list[str], max_term_chars: int = MAX_TERM_CHARS) -> Node | None:
    if not isinstance(raw, dict) or not all(isinstance(key, str) for key in raw):
        problems.append(f"node #{index} must be a mapping (with string keys) with a 'name'")
        return None
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append(f"node #{index} needs a non-empty string 'name'")
        return None
    if not check_term_length(name, f"node #{index}: the name", max_term_chars, problems):
        return None
    parent = raw.get("parent")
    if parent is not None and not isinstance(parent, str):
        problems.append(f"node {name!r}: 'parent' must be a string")
        parent = None
    rank = raw.get("rank")
    if rank is not None and not isinstance(rank, str):
        problems.append(f"node {name!r}: 'rank' must be a string")
        rank = None
    if rank is not None and not check_term_length(rank, f"node {name!r}: the rank", max_term_chars, problems):
        rank = None
    lists = {}
    for field_name in ("synonyms", "overlaps"):
        values = raw.get(field_name, [])
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            problems.append(f"node {name!r}: {field_name!r} must be a list of strings")
            values = []
        what = f"node {name!r}: a {field_name[:-1]}"
        lists[field_name] = tuple(v for v in values if check_term_length(v, what, max_term_chars, problems))
    wordnet = raw.get("wordnet")
    if wordnet is not None and (not isinstance(wordnet, str) or not SYNSET_NAME.fullmatch(wordnet)):
        problems.append(f"node {name!r}: 'wordnet' must name a noun synset such as 'bird.n.01'")
        wordnet = None
    unknown = set(raw) - {"name", "parent", "rank", "synonyms", "overlaps", "wordnet"}
    if unknown:
        problems.append(f"node {name!r} has unknown fields {sorted(unknown)}")
    return Node(name.strip(), parent, rank, lists["synonyms"], lists["overlaps"], wordnet)


def _compact_index(by_key: dict[str, str]) -> dict[str, str | None]:
    """Keys without their spaces, for compounds written either way; ``None`` where two nodes meet."""
    index: dict[str, str | None] = {}
    for key, name in by_key.items():
        compact = key.replace(" ", "")
        index[compact] = name if index.get(compact, name) == name else None
    return index


def _find(key: str, by_key: dict[str, T], by_compact_key: dict[str, T | None] | None = None) -> T | None:
    """What a key names: as written, with a plural ending dropped, then (with ``by_compact_key``)
    without spaces."""
    for candidate in (key, *_singular_forms(key)):
        if candidate in by_key:
            return by_key[candidate]
    if by_compact_key is None:
        return None
    for candidate in (key, *_singular_forms(key)):
        name = by_compact_key.get(candidate.replace(" ", ""))
        if name is not None:
            return name
    return None


def _find_cycles(nodes: dict[str, Node]) -> list[str]:
    """Every cycle of parents, in time linear in the number of nodes (each is walked once)."""
    problems = []
    settled: set[str] = set()
    for start in nodes:
        path: list[str] = []
        on_path: dict[str, int] = {}  # name -> position in path
        current: str | None = start
        while current is not None and current not in settled:
            if current in on_path:
                cycle = path[on_path[current] :] + [current]
                problems.append("cycle: " + " -> ".join(cycle))
                break
            on_path[current] = len(path)
            path.append(current)
            current = nodes[current].parent
        settled.update(path)
    return problems


def _content_hash(data: Any) -> str:
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]

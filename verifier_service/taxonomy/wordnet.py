"""WordNet 3.0 noun hypernyms as a general taxonomy (useful for ImageNet-style labels).

Read through nltk's ``WordNetCorpusReader`` from Debian's ``wordnet-base`` and
``wordnet-sense-index`` files (``/usr/share/wordnet``); nothing is downloaded. Debian does
not ship the ``lexnames`` file nltk needs, so the database is copied (once, about 30 MB) into
the data directory with a ``lexnames`` written from the fixed WordNet 3.0 list
(lexnames(5WN)); nltk refuses to follow links out of its corpus root.

Choosing senses, conservatively:

- only noun senses in lexicographer files of things that can be photographed (animals,
  plants, artifacts, foods, natural objects by default) count, so "samoyed" is the dog
  (noun.animal), not the people (noun.group) or their language (noun.communication);
- the ground truth must have exactly one such sense, or a dominant one (tagged at least
  ``DOMINANT_COUNT`` times in WordNet's sense-tagged corpora, and that many times as often as
  all its other such senses together: "dog" is the animal, 42 to 0, "car" the automobile, 71
  to 2), or be given as a synset name such as ``mouse.n.04``: "crane" (bird or machine, never
  tagged) goes to the judge;
- a prediction may be ambiguous: its senses related to the ground truth's sense decide,
  and only when they all agree ("dog" for a samoyed is the animal, not the andiron); a
  prediction may also be one of WordNet's top-level concepts (noun.Tops: "animal", "plant",
  "food"), which only ever sit above the ground truth;
- WordNet settles same sense (``specific``), hypernym (``less specific`` up to
  ``close_distance`` steps, else ``generic``) and hyponym (``more specific``). It never
  settles ``wrong``: WordNet is a general lexicon, and two unrelated synsets may still name
  compatible things it simply does not link.

Thread ownership: nltk's reader is not thread-safe (it seeks and reads shared file handles and
fills lazy caches), and concurrent reads corrupt answers, and its caches for good. Every method
that touches the reader holds ``self._lock`` (re-entrant: methods call each other), whichever
thread calls it: the event loop grading pairs, a worker thread answering a look-up, start-up.
"""

from __future__ import annotations

import functools
import re
import shutil
import threading
from pathlib import Path
from typing import Any

from verifier_service.grading.categories import Category
from verifier_service.grading.normalise import label_key, normalise
from verifier_service.grading.ports import Relation

DEBIAN_WORDNET = Path("/usr/share/wordnet")
SYNSET_NAME = re.compile(r"[a-z0-9_.'-]+\.n\.\d{2}")  # a noun synset's name ("bird.n.01"); full match only
VISUAL_LEXNAMES = frozenset({"noun.animal", "noun.plant", "noun.artifact", "noun.food", "noun.object"})
DOMINANT_COUNT = 5  # a ground truth's sense is dominant when tagged this often, and this many times the rest

# lexnames(5WN): number, name and syntactic category of WordNet 3.0's lexicographer files.
_LEXNAMES = (
    "adj.all 3,adj.pert 3,adv.all 4,noun.Tops 1,noun.act 1,noun.animal 1,noun.artifact 1,noun.attribute 1,"
    "noun.body 1,noun.cognition 1,noun.communication 1,noun.event 1,noun.feeling 1,noun.food 1,noun.group 1,"
    "noun.location 1,noun.motive 1,noun.object 1,noun.person 1,noun.phenomenon 1,noun.plant 1,noun.possession 1,"
    "noun.process 1,noun.quantity 1,noun.relation 1,noun.shape 1,noun.state 1,noun.substance 1,noun.time 1,"
    "verb.body 2,verb.change 2,verb.cognition 2,verb.communication 2,verb.competition 2,verb.consumption 2,"
    "verb.contact 2,verb.creation 2,verb.emotion 2,verb.motion 2,verb.perception 2,verb.possession 2,"
    "verb.social 2,verb.stative 2,verb.weather 2,adj.ppl 3"
).split(",")


def _owns_the_reader(method):
    """Run ``method`` holding the taxonomy's lock: one reader of nltk's WordNet at a time."""

    @functools.wraps(method)
    def locked(self, *args, **kwargs):
        with self._lock:
            return method(self, *args, **kwargs)

    return locked


def _extinct(sense: Any) -> bool:
    return "extinct" in sense.definition().lower()


def prepare_wordnet_dir(source: Path, workdir: Path) -> Path:
    """A folder nltk can read: a copy of the Debian files plus a generated ``lexnames``."""
    if not (source / "data.noun").is_file():
        raise FileNotFoundError(f"no WordNet database at {source} (install Debian's wordnet-base)")
    target = workdir / "wordnet"
    target.mkdir(parents=True, exist_ok=True)
    for file in source.iterdir():
        copy = target / file.name
        if file.is_file() and (not copy.exists() or copy.stat().st_size != file.stat().st_size):
            shutil.copyfile(file, copy)
    lexnames = "".join(f"{i:02d}\t{entry.replace(' ', chr(9))}\n" for i, entry in enumerate(_LEXNAMES))
    (target / "lexnames").write_text(lexnames)
    return target


class WordNetTaxonomy:
    def __init__(
        self,
        workdir: Path,
        *,
        source: Path = DEBIAN_WORDNET,
        name: str = "wordnet",
        lexnames: frozenset[str] = VISUAL_LEXNAMES,
        close_distance: int = 1,
    ) -> None:
        import nltk
        from nltk.corpus.reader.wordnet import WordNetCorpusReader

        class LocalWordNet(WordNetCorpusReader):
            def map_wn(self, version: str = "wordnet") -> None:
                # nltk maps synsets to its downloadable "wordnet" corpus for multilingual
                # data; this is WordNet 3.0 itself and needs no mapping (nor a download).
                return None

        self._lock = threading.RLock()
        root = prepare_wordnet_dir(source, workdir)
        if str(root) not in nltk.data.path:
            nltk.data.path.append(str(root))  # nltk only reads corpora under its data path
        self._wn = LocalWordNet(str(root), None)
        self.name = name
        self.lexnames = lexnames
        self.close_distance = close_distance
        self.version = f"wordnet-{self._wn.get_version()}|{','.join(sorted(lexnames))}|close={close_distance}"
        self.description = "WordNet 3.0 noun hypernyms (Princeton University), from Debian's wordnet-base"

    @_owns_the_reader
    def senses(self, term: str, *, broad: bool = False, also: frozenset[str] = frozenset()) -> list[Any]:
        """The term's noun senses in the visual lexicographer files (with ``broad``, in noun.Tops too;
        and in the lexicographer files ``also`` names: those of a taxonomy's anchors)."""
        if SYNSET_NAME.fullmatch(term.strip()):
            try:
                return [self._wn.synset(term.strip())]
            except Exception:  # nltk raises WordNetError (or ValueError) for an unknown name
                return []
        key = label_key(normalise(term)).replace(" ", "_")
        if not key:
            return []
        lexnames = (self.lexnames | {"noun.Tops"} if broad else self.lexnames) | also
        found = self._wn.synsets(key, pos="n")
        hyphenated = normalise(term).replace(" ", "_")
        if not found and hyphenated != key:  # WordNet spells some with hyphens: "heavier-than-air craft"
            found = self._wn.synsets(hyphenated, pos="n")
        return [s for s in found if s.lexname() in lexnames]

    @_owns_the_reader
    def _sense(self, term: str) -> Any | None:
        """The ground truth's one sense: its only visual sense, or its dominant one (see the module doc)."""
        senses = self.senses(term)
        if len(senses) <= 1:
            return senses[0] if senses else None
        key = label_key(normalise(term)).replace(" ", "_")
        counts = [sum(lemma.count() for lemma in s.lemmas() if lemma.name().lower() == key) for s in senses]
        best = max(range(len(senses)), key=counts.__getitem__)
        rest = sum(counts) - counts[best]
        return senses[best] if counts[best] >= DOMINANT_COUNT and counts[best] >= DOMINANT_COUNT * rest else None

    @_owns_the_reader
    def closest_synsets(self, name: str, n: int = 5) -> list[str]:
        """Noun synsets whose lemma is spelled closest to the lemma of ``name`` ("plant_disease.n.01" for
        "plant_diseas.n.01"): for an anchor WordNet lacks. Linear in WordNet's lemmas (about half a second)."""
        import difflib

        lemma = name.strip().lower().split(".")[0]
        lemmas = difflib.get_close_matches(lemma, list(self._wn.all_lemma_names(pos="n")), n=3, cutoff=0.6)
        return [s.name() for found in lemmas for s in self._wn.synsets(found, pos="n")][:n]

    @_owns_the_reader
    def synset(self, name: str) -> Any | None:
        """The synset of that name ("bird.n.01"), or ``None``."""
        try:
            return self._wn.synset(name)
        except Exception:  # nltk raises WordNetError (or ValueError) for an unknown name
            return None

    @_owns_the_reader
    def is_above(self, start: Any, candidate: Any) -> bool:
        """Whether ``candidate`` is a hypernym (or instance hypernym) of ``start``, at any distance."""
        return start != candidate and self._distance_up(start, candidate) is not None

    @staticmethod
    def _distance_up(start: Any, ancestor: Any) -> int | None:
        """Steps from ``start`` up to ``ancestor`` (shortest), or ``None`` if it is not an ancestor."""
        frontier, seen, steps = {start}, {start}, 0
        while frontier:
            if ancestor in frontier:
                return steps
            frontier = {h for s in frontier for h in s.hypernyms() + s.instance_hypernyms()} - seen
            seen |= frontier
            steps += 1
        return None

    def _relation(self, truth: Any, guess: Any) -> Category | None:
        if truth == guess:
            return Category.SPECIFIC
        up = self._distance_up(truth, guess)
        if up is not None:
            return Category.LESS_SPECIFIC if up <= self.close_distance else Category.GENERIC
        if self._distance_up(guess, truth) is not None:
            return Category.MORE_SPECIFIC
        return None

    @_owns_the_reader
    def categorise(self, ground_truth: str, prediction: str) -> Category | None:
        truth = self._sense(ground_truth)
        if truth is None:
            return None
        guesses = self.senses(prediction, broad=True)
        if not _extinct(truth):  # a mammoth is an elephant to WordNet, never a right name for a living one
            guesses = [guess for guess in guesses if not _extinct(guess)]
        related = {self._relation(truth, guess) for guess in guesses} - {None}
        # Never "wrong" (see the module docstring); ambiguous relations go to the judge.
        return related.pop() if len(related) == 1 else None

    @_owns_the_reader
    def explain_pair(self, ground_truth: str, prediction: str) -> dict[str, Any] | None:
        """The senses behind ``categorise``: the ground truth's sense, the prediction's senses that
        relate to it, and how many steps apart."""
        category = self.categorise(ground_truth, prediction)
        truth = self._sense(ground_truth)
        if category is None or truth is None:
            return None
        guesses = [g for g in self.senses(prediction, broad=True) if self._relation(truth, g) is category]
        guess = min(guesses, key=lambda g: g.name())
        steps = self._distance_up(truth, guess) if category in (Category.LESS_SPECIFIC, Category.GENERIC) else None
        if steps is not None:
            text = (
                f"{guess.name()} is {steps} hypernym step{'s' if steps != 1 else ''} above {truth.name()}; "
                f"{'within' if steps <= self.close_distance else 'beyond'} the close distance of "
                f"{self.close_distance} -> {category.value}"
            )
        elif category is Category.SPECIFIC:
            text = f"both name the synset {truth.name()} -> specific"
        else:
            text = f"{guess.name()} is a hyponym of {truth.name()} -> more specific"
        return {
            "taxonomy": f"{self.name}@{self.version}",
            "ground_truth_node": {"name": truth.name(), "definition": truth.definition()},
            "prediction_node": {"name": guess.name(), "definition": guess.definition()},
            "relation": {"specific": "same node", "more specific": "descendant"}.get(category.value, "ancestor"),
            "text": text,
        }

    @_owns_the_reader
    def knows(self, term: str) -> bool:
        """Whether WordNet has a sense of the term among the photographable things (or noun.Tops)."""
        return bool(self.senses(term, broad=True))

    @_owns_the_reader
    def relate(self, a: str, b: str) -> Relation | None:
        """``same``, ``above`` or ``below`` when some senses of the two terms are so related, and only
        one way; never ``different`` (a general lexicon's missing link is no evidence)."""
        first, second = self.senses(a, broad=True), self.senses(b, broad=True)
        found: set[Relation] = set()
        for x in first:
            for y in second:
                if x == y:
                    found.add("same")
                elif self.is_above(y, x):
                    found.add("above")
                elif self.is_above(x, y):
                    found.add("below")
        return found.pop() if len(found) == 1 else None

    def _lineage(self, sense: Any, depth: int = 8) -> list[Any]:
        chain = [sense]
        while len(chain) < depth:
            parents = chain[-1].hypernyms() + chain[-1].instance_hypernyms()
            if not parents:
                break
            # nltk's order of several hypernyms can change between processes; the lineage is
            # part of the judge's context (and so of cache keys), so pick one deterministically.
            chain.append(min(parents, key=lambda s: s.name()))
        return chain

    @staticmethod
    def _label(sense: Any) -> str:
        return sense.lemmas()[0].name().replace("_", " ").lower()

    @_owns_the_reader
    def describe_lineage(self, term: str) -> str | None:
        sense = self._sense(term)
        return None if sense is None else " < ".join(self._label(s) for s in self._lineage(sense))

    @_owns_the_reader
    def explain(self, term: str) -> dict[str, Any] | None:
        senses = self.senses(term)
        if not senses:
            return None
        return {
            "node": senses[0].name() if len(senses) == 1 else None,
            "ambiguous": len(senses) > 1,
            "senses": [
                {
                    "synset": s.name(),
                    "definition": s.definition(),
                    "synonyms": [lemma.name().replace("_", " ") for lemma in s.lemmas()],
                    "lineage": [{"name": self._label(p), "synset": p.name()} for p in self._lineage(s)],
                }
                for s in senses
            ],
        }

    def summary(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "description": self.description,
            "sources": ["Princeton WordNet 3.0 (Debian wordnet-base, wordnet-sense-index)"],
            "lexnames": sorted(self.lexnames),
            "close_distance": self.close_distance,
        }

"""Several answers in one: options listed with any separator, in any language.

The method grades an answer that lists several options ``wrong`` ("robin or cardinal"). A
policy graded by a credulous judge learns to list options however the rules do not look:
commas, slashes, pipes, semicolons, "and", "&", "vs", "but", a parenthesis, quotes, a spaced
dash, "or" in another language. An answer splits into parts at any of these, except:

- a separator the label itself is written with ("Black-and-white Warbler", "F/A-18",
  "macaroni and cheese") does not split: the answer may be spelling the label's own name;
- a part that is only a hedge or a courtesy ("robin, probably") is not an option.

Two or more parts are then read, with what the taxonomy (or WordNet) knows of names:

- the whole answer is one name it knows ("fish and chips") -> not a list;
- every part names the same concept, or they all lie on one lineage ("Laysan Albatross
  (Phoebastria immutabilis)", "samoyed, a dog") -> the answer is read as its most specific part;
- otherwise a list is ``wrong``, with one exception: a part in brackets that nothing relates
  to the rest may be a qualifier ("Boeing 737-800 (Ryanair livery)") rather than an option,
  so such an answer goes to the judge, unless the taxonomy knows the two as different things.

Every check is one pass over the answer: linear in its length.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Literal

from verifier_service.grading.normalise import fold_diacritics, label_key, normalise
from verifier_service.grading.ports import NameLookup
from verifier_service.grading.refusals import is_refusal
from verifier_service.grading.separators import BRACKETS, SEPARATOR, separators_in

# Words that qualify an answer without naming anything: a part made only of these is no option.
_HEDGES = frozenset(
    "probably maybe perhaps possibly likely i think believe guess sure sorry honestly please thanks "
    "it is this that s a an the answer m im am not most more quite fairly pretty rather guessing suppose "
    "d say".split()
)


@dataclass(frozen=True, slots=True)
class Parts:
    """An answer cut at its separators: the normalised parts, and whether a bracket cut it."""

    parts: tuple[str, ...]
    bracketed: bool


@dataclass(frozen=True, slots=True)
class ListReading:
    """``wrong``: several options; ``read``: one answer, given as ``text``; ``judge``: cannot tell."""

    outcome: Literal["wrong", "read", "judge"]
    text: str = ""
    reason: str = ""


def split_answer(raw_prediction: str, ground_truth: str) -> Parts:
    """The answer's parts at every separator the label does not use itself."""
    text = unicodedata.normalize("NFKC", raw_prediction)
    own = separators_in(ground_truth)
    pieces: list[str] = []
    bracketed = False
    start = 0
    for match in SEPARATOR.finditer(text):
        separator = match.group(0).strip().lower()
        if separator in own or (separator in BRACKETS and own & set(BRACKETS)):
            continue
        bracketed |= separator in BRACKETS
        pieces.append(text[start : match.start()])
        start = match.end()
    pieces.append(text[start:])
    return Parts(tuple(part for part in map(normalise, pieces) if _names_something(part)), bracketed)


def _names_something(part: str) -> bool:
    """A part that could be an option: two letters or digits at least ("F/A-18" is no list), not only
    hedges or courtesies ("robin, probably"), not a refusal ("I don't know, perhaps a warbler")."""
    key = fold_diacritics(label_key(part))
    if sum(ch.isalnum() for ch in key) < 2 or set(key.split()) <= _HEDGES:
        return False
    return not is_refusal(key)


def read_list(parts: Parts, whole: str, names: NameLookup | None) -> ListReading | None:
    """What a split answer is (``None``: one part, nothing to read)."""
    if len(parts.parts) < 2:
        return None
    if names is not None and names.knows(whole):
        return None  # one name written with a separator ("fish and chips")
    if names is not None:
        specific = _one_lineage(parts.parts, names)
        if specific is not None:
            return ListReading("read", specific, "one concept named several ways")
    shown = " / ".join(repr(p) for p in parts.parts[:4])
    if parts.bracketed and not _known_different(parts.parts, names):
        return ListReading("judge", reason=f"a bracketed qualifier or an option: {shown}")
    if len(parts.parts) == 2 and sum(map(_binomial, parts.parts)) == 1 and not _known_different(parts.parts, names):
        return ListReading("judge", reason=f"a name beside a scientific name, or two options: {shown}")
    return ListReading("wrong", reason=f"several options: {shown}")


def _one_lineage(parts: tuple[str, ...], names: NameLookup) -> str | None:
    """The most specific part when every part names a concept on one lineage, else ``None``."""
    best = parts[0]
    for part in parts[1:]:
        relation = names.relate(best, part)
        if relation == "above":  # ``part`` is more specific than ``best``
            best = part
        elif relation not in ("same", "below"):
            return None
    return best


# A binomial's epithet ends the Latin way ("kirtlandii", "immutabilis", "migratorius", "chrysoptera").
_EPITHET_ENDINGS = ("us", "um", "is", "ii", "ae", "ensis", "oides", "ica", "ata", "ana", "ina", "a", "i")


def _binomial(part: str) -> bool:
    """A part shaped like a scientific name ("phoebastria immutabilis"): beside a common name that
    nothing here knows, it may be the same bird's other name ("Laysan Albatross / Phoebastria
    immutabilis") or a second option; only knowledge of the names can tell, so the judge decides."""
    words = part.split()
    return len(words) == 2 and all(len(w) >= 3 and w.isalpha() for w in words) and words[1].endswith(_EPITHET_ENDINGS)


def _known_different(parts: tuple[str, ...], names: NameLookup | None) -> bool:
    if names is None:
        return False
    return any(names.relate(a, b) == "different" for i, a in enumerate(parts) for b in parts[i + 1 :])

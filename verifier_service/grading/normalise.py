"""Label normalisation.

``normalise`` is the method's (shared/METHOD.md, "Normalisation"), in its order: every
character that is not a Unicode letter (L), number (N), dash punctuation (Pd: the ASCII hyphen
and every other Unicode dash) or whitespace becomes a space; then lower case; then runs of
whitespace collapse to one space, and the ends are stripped. So ``black_footed_albatross``
becomes ``black footed albatross`` and ``737–200`` keeps its en dash. It is what cache keys,
rules and judges see. (The Unicode classes come from the ``regex`` package; the standard ``re``
has none.) One addition: a combining mark (M) stays with its letter. The method's rule keeps
"ò" (one letter, L), but taken literally it would cut the vowel signs of Thai or Devanagari,
which have no one-letter form, out of their words ("หมู", pig, and "หมี", bear, would both read
"หม"), and would read the same "ò" differently when written as "o" and a combining grave.

``label_key`` goes one careful step further, for deciding that two labels are the same
name: it reads compatibility forms as what they stand for (Unicode NFKC: full-width letters,
ligatures, one letter written as a base and a combining mark or as one character), treats every
dash as a space and drops leading filler ("a photo of a", "it is a", an article). None of these
can turn one name into a different one. Marks are never dropped: "bò" (cow) and "bơ" (avocado),
Thai "หมู" (pig) and "หมี" (bear) are different words; the taxonomy loader uses the same key,
so what it calls two names is never graded the same name.

``fold_diacritics`` does drop them, and is used only where a match can make an answer ``wrong``
or ``abstain`` but never correct: spotting refusals ("no lo sé") and words addressed to the
grader ("spécifique").
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

import regex

NORMALISATION_VERSION = "method-v4"  # part of every cache key: a changed rule never serves stale grades

_NOT_LETTER_MARK_NUMBER_DASH_OR_SPACE = regex.compile(r"[^\p{L}\p{M}\p{N}\p{Pd}\s]")
_WHITESPACE = regex.compile(r"\s+")
_DASH = regex.compile(r"\p{Pd}")
_NONSPACING_MARK = regex.compile(r"\p{Mn}+")

# Leading words that describe or hedge the answer rather than name the object: "the answer is",
# "I think it's", "probably", "a photo of a", "some kind of" ("some kind of warbler" names the warblers).
_ARTICLE = r"(?:(?:a|an|the|some) )?"
_LEADING_FILLER = regex.compile(
    r"^(?:(?:the )?answer(?: is)? )?"
    r"(?:(?:i think|i believe|i guess|most likely|probably|possibly|maybe|perhaps|likely) )?"
    r"(?:(?:this|it|that) (?:is|s|looks like|appears to be|seems to be|might be|could be|may be|must be) )?"
    + _ARTICLE
    + r"(?:(?:photo|picture|image|photograph) of )?"
    + _ARTICLE
    + r"(?:(?:kind|type|sort|species|breed|variety) of )?"
    + _ARTICLE
)

# Trailing words that hedge the answer: "melanoma probably", "malignant melanoma I think". Only after
# a name (a leading space): "I think" or "I'm not sure" alone is left as it is (a refusal, or nothing).
_TRAILING_HEDGE = regex.compile(
    r"(?: (?:i think|i believe|i guess|i suppose|i d say|i m not sure|i am not sure|i m guessing|"
    r"most likely|more likely|probably|possibly|maybe|perhaps|likely))+$"
)


def normalise(text: str) -> str:
    """The method's normal form of a label or an answer."""
    text = _NOT_LETTER_MARK_NUMBER_DASH_OR_SPACE.sub(" ", text).lower()
    return _WHITESPACE.sub(" ", text).strip()


def fold_diacritics(text: str) -> str:
    """'crème brûlée' -> 'creme brulee': compatibility decomposition, then no nonspacing marks."""
    if text.isascii():
        return text
    return _NONSPACING_MARK.sub("", unicodedata.normalize("NFKD", text))


@lru_cache(maxsize=8192)  # a pair's strings are keyed several times (rules, taxonomy look-ups)
def label_key(normalised: str) -> str:
    """A key under which two spellings of the same name compare equal.

    Takes an already ``normalise``-d string. The result may be empty (a prediction that
    was nothing but filler).
    """
    if not normalised.isascii():
        # NFKC can expose new punctuation ("¼" -> "1⁄4"), so the method's normalisation runs again.
        normalised = normalise(unicodedata.normalize("NFKC", normalised))
    key = _DASH.sub(" ", normalised)
    key = _WHITESPACE.sub(" ", key).strip()
    key = _LEADING_FILLER.sub("", key, count=1).strip()
    return _TRAILING_HEDGE.sub("", key, count=1).strip()


def dropped_words(normalised: str) -> tuple[str, str]:
    """The words ``label_key`` dropped from the front and the end of an answer ("probably", "a photo
    of a"), for explanations; empty where it dropped none (or rewrote the text: NFKC)."""
    key = label_key(normalised)
    spaced = _WHITESPACE.sub(" ", _DASH.sub(" ", normalised)).strip()
    at = spaced.find(key) if key else -1
    if at < 0:
        return "", ""
    return spaced[:at].strip(), spaced[at + len(key) :].strip()

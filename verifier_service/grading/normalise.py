"""Label normalisation.

``normalise`` is exactly the method's: lower-case; every character that is neither a
word character, whitespace nor a dash becomes a space; runs of whitespace collapse to
one space. Word characters follow Python's Unicode ``\\w`` (letters in any script,
digits, underscore), so "Café" stays "café" and the leading underscore of a fragment
such as "_prototype" survives for the rules to see. It is what cache keys and judges see.

``label_key`` goes one careful step further, for deciding that two labels are the same
name: it folds diacritics, treats a dash or an underscore as a space (dataset label strings
such as "Black_footed_Albatross") and drops leading filler ("a photo
of a", "it is a", an article). None of these can turn one name into a different one.
"""

from __future__ import annotations

import re
import unicodedata

_NOT_WORD_SPACE_OR_DASH = re.compile(r"[^\w\s-]")
_WHITESPACE = re.compile(r"\s+")

# Leading words that describe the answer rather than name the object.
_LEADING_FILLER = re.compile(
    r"^(?:(?:this|it|that) (?:is|s|looks like|appears to be|seems to be) )?"
    r"(?:(?:a|an|the) )?"
    r"(?:(?:photo|picture|image|photograph) of )?"
    r"(?:(?:a|an|the) )?"
)


def normalise(text: str) -> str:
    """The method's normal form of a label or an answer."""
    text = _NOT_WORD_SPACE_OR_DASH.sub(" ", text.lower())
    return _WHITESPACE.sub(" ", text).strip()


def fold_diacritics(text: str) -> str:
    """'crème brûlée' -> 'creme brulee'."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def label_key(normalised: str) -> str:
    """A key under which two spellings of the same name compare equal.

    Takes an already ``normalise``-d string. The result may be empty (a prediction that
    was nothing but filler).
    """
    # Folding can expose new punctuation ("¼" -> "1⁄4"), so the method's normalisation runs again.
    key = normalise(fold_diacritics(normalised)).replace("-", " ").replace("_", " ")
    key = _WHITESPACE.sub(" ", key).strip()
    return _LEADING_FILLER.sub("", key, count=1).strip()

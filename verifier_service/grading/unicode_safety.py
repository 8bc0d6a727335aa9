"""Defences against answers made to look like something they are not.

The policy being trained writes the prediction, and a policy rewarded by a judge learns to
say what the judge wants to read. Before any rule sees an answer:

- invisible and format characters (Unicode Cf and Default_Ignorable_Code_Point: zero-width
  spaces and joiners, soft hyphens, bidirectional marks, variation selectors) are removed:
  "spe\\u200bcific" is "specific", not two harmless fragments;
- a word that mixes scripts ("sресіfіс", Latin with Cyrillic look-alikes) is replaced by its
  Latin skeleton, as Unicode's security mechanisms (UTS #39) advise for mixed-script
  identifiers. Words in one script ("воробей") are left alone.

``latin_skeleton`` maps every character with a Latin look-alike to it; the rules use it to
catch category words spelt entirely in another script. The confusable and script data are
Unicode's (confusables.txt, Scripts.txt), from the ``confusable_homoglyphs`` package.
"""

from __future__ import annotations

import regex
from confusable_homoglyphs import confusables

_INVISIBLE = regex.compile(r"[\p{Cf}\p{Default_Ignorable_Code_Point}]")
_NON_SPACE_RUN = regex.compile(r"\S+")
_LATIN = regex.compile(r"\p{Script=Latin}")
_OTHER_SCRIPT_LETTER = regex.compile(r"[\p{L}--\p{Script=Latin}--\p{Script=Common}--\p{Script=Inherited}]", regex.V1)


def remove_invisible(text: str) -> str:
    return _INVISIBLE.sub("", text)


def _latin_look_alike(char: str) -> str:
    """An ASCII letter or digit that ``char`` is confusable with, else ``char`` itself."""
    if char.isascii():
        return char
    found = confusables.is_confusable(char, greedy=True, preferred_aliases=["latin"]) or []
    for entry in found:
        for glyph in entry.get("homoglyphs", []):
            candidate = glyph.get("c", "")
            if len(candidate) == 1 and candidate.isascii() and candidate.isalnum():
                return candidate
    return char


class _SkeletonTable(dict[int, str]):
    """A ``str.translate`` table filled on first sight of each character (the look-up is slow)."""

    def __missing__(self, code: int) -> str:
        look_alike = _latin_look_alike(chr(code))
        if len(self) < 65536:  # bounded, whatever characters answers bring
            self[code] = look_alike
        return look_alike


_SKELETON = _SkeletonTable()


def latin_skeleton(text: str) -> str:
    """The text with every character that has a Latin look-alike replaced by it ("ѕресіfіс" -> "specific")."""
    return text if text.isascii() else text.translate(_SKELETON)


def is_mixed_script(word: str) -> bool:
    """Latin letters beside letters of another script in one word (Unicode's Script property)."""
    return bool(_LATIN.search(word)) and bool(_OTHER_SCRIPT_LETTER.search(word))


def _defuse_word(match: regex.Match[str]) -> str:
    word = match.group(0)
    return latin_skeleton(word) if not word.isascii() and is_mixed_script(word) else word


def defuse(text: str) -> str:
    """The answer as a reader sees it: no invisible characters, no mixed-script words."""
    text = remove_invisible(text)
    if text.isascii():
        return text
    return _NON_SPACE_RUN.sub(_defuse_word, text)

"""What separates the pieces of an answer: punctuation, brackets, spaced dashes, joining words.

Shared by the readers of an answer's pieces: lists of options (``answer_lists``) and refusals
said in several pieces (``refusals``). Full-width forms arrive as their ASCII twins (NFKC).
"""

from __future__ import annotations

import unicodedata

import regex

from verifier_service.grading.normalise import normalise

PUNCTUATION = ',;/|\\+&?!:"“”„«»、'
BRACKETS = "()[]{}"
_SPACED_DASH = r"(?:^|\s)\p{Pd}+(?=\s|$)"
# Words that join options, between two pieces: "or" and its translations, "and", "not", "but".
# "o" and "u" (Spanish, Italian "or") only between words: "O'Brien" is no list.
OR_WORDS = frozenset(
    {"or", "either", "oder", "ou", "или", "либо", "або", "oppure", "ovvero", "eller", "lub", "albo", "vagy", "veya"}
)
OR_PHRASES = ("ya da", "and or")
OR_UNSPACED = ("或", "还是", "または", "もしくは", "아니면", "또는")
JOINING_WORDS = OR_WORDS | {"and", "und", "et", "vs", "versus", "but", "not", "o", "u"}

_PUNCTUATION_SEPARATOR = regex.compile(f"[{regex.escape(PUNCTUATION + BRACKETS)}]|{_SPACED_DASH}")
SEPARATOR = regex.compile(
    "|".join(
        [
            f"[{regex.escape(PUNCTUATION + BRACKETS)}]",
            _SPACED_DASH,
            *(rf"(?<=\s|^){regex.escape(word)}(?=\s|$)" for word in sorted(JOINING_WORDS | set(OR_PHRASES))),
            *map(regex.escape, OR_UNSPACED),
        ]
    ),
    regex.IGNORECASE,
)


def answer_pieces(raw_answer: str) -> list[str]:
    """The answer cut at its punctuation (not at words: "not sure" stays whole), each piece
    normalised; empty pieces dropped."""
    pieces = _PUNCTUATION_SEPARATOR.split(unicodedata.normalize("NFKC", raw_answer))
    return [piece for piece in map(normalise, pieces) if piece]


def separators_in(text: str) -> set[str]:
    """The separators a text is written with (lower case)."""
    return {match.group(0).strip().lower() for match in SEPARATOR.finditer(unicodedata.normalize("NFKC", text))}

"""Refusals: an answer that declines to name the object (``abstain``), in many languages.

Matched against the label key of the prediction with diacritics folded (lower case, no
punctuation, dashes as spaces: "I don't know." arrives as "i don t know"), as a whole answer,
or as an answer in several pieces that are all refusals or courtesies ("not sure, can't tell",
"no idea, sorry"). A refusal with a name in it ("not sure, maybe a robin") is no refusal: the
judge decides.
"""

from __future__ import annotations

import regex

from verifier_service.grading.normalise import fold_diacritics, label_key
from verifier_service.grading.separators import answer_pieces

_POLITE = r"(?:(?:sorry|honestly|unfortunately|well|hmm|i m sorry|i am sorry) )*"
_COURTESIES = frozenset({"sorry", "honestly", "unfortunately", "well", "hmm", "i m sorry", "i am sorry", "apologies"})
_I = r"(?:i (?:really |honestly |simply )?)?"
_CANNOT = (
    r"(?:can ?not|can t|cant|could not|couldn t|am unable to|m unable to|unable to|am not able to|m not able to|"
    r"don t know how to|do not know how to)"
)
_VERB = r"(?:tell|say|determine|identify|know|classify|recogni[sz]e|be sure|answer|decide|name|see)"
_WHAT = r"(?:it|this|that|what (?:it|this|that) is|what i m looking at|what i am looking at)"
_OBJECT = (
    rf"(?: (?:{_WHAT}|for sure|for certain|exactly|the (?:species|breed|class|object|category|type|model|variant)))?"
)
_SOURCE = r"(?: (?:from|in|based on) (?:this|the) (?:image|picture|photo|photograph))?"
_REFUSAL = regex.compile(
    rf"^{_POLITE}(?:"
    r"none|none of (?:the above|these|them)|nothing|unknown|unsure|uncertain|undetermined|unidentifiable|"
    r"unidentified|indeterminate|unclear|n a|no answer|idk|dunno|abstain|i abstain|"
    r"(?:i (?:have )?)?no (?:idea|clue)|"
    rf"{_I}(?:am |m )?not (?:sure|certain|confident)(?: (?:what (?:it|this|that) is|about (?:it|this)))?|"
    rf"{_I}(?:do not|don t|dont) know(?: (?:{_WHAT}|for sure|exactly))?|"
    rf"{_I}{_CANNOT} {_VERB}{_OBJECT}{_SOURCE}|"
    rf"(?:it is |it s |it would be |that s |this is )?(?:impossible|hard|difficult|not possible|too hard) to "
    rf"(?:tell|say|determine|identify|know){_OBJECT}{_SOURCE}|"
    r"(?:it |this )?can ?not be (?:determined|identified|told)|"
    r"(?:there is )?not enough (?:information|detail|details)|insufficient (?:information|detail)|"
    # the common refusals of other languages (diacritics folded: "no lo sé" reads "no lo se")
    r"(?:je )?ne sais pas|je sais pas|aucune idee|"  # French
    r"(?:ich )?wei(?:ss|ß) (?:es )?nicht|keine ahnung|unbekannt|"  # German
    r"no (?:lo )?se|no tengo (?:ni )?idea|ni idea|desconocido|"  # Spanish
    r"non (?:lo )?so|nessuna idea|sconosciuto|"  # Italian
    r"nao sei|nao faco ideia|desconhecido|"  # Portuguese
    r"(?:я )?не знаю|понятия не имею|"  # Russian
    r"不知道|我不知道|わかりません|分かりません|知りません|"  # Chinese, Japanese
    # Korean, decomposed as the label key folds it (NFKD splits Hangul syllables into jamo)
    + fold_diacritics("모르겠습니다|모르겠어요")
    + r")(?: sorry)?$"
)


def is_refusal(prediction_key: str) -> bool:
    """Whether a (diacritics-folded) label key is a whole-answer refusal."""
    return _REFUSAL.match(prediction_key) is not None


def is_compound_refusal(raw_prediction: str) -> bool:
    """A refusal said in several pieces: every piece is a refusal or a courtesy, one at least a refusal."""
    pieces = [fold_diacritics(label_key(piece)) for piece in answer_pieces(raw_prediction)]
    return len(pieces) > 1 and any(map(is_refusal, pieces)) and all(p in _COURTESIES or is_refusal(p) for p in pieces)

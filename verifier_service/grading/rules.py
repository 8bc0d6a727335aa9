"""Deterministic rules that settle the obvious cases without a model.

Every rule here is conservative: it fires only on shapes that cannot be read any other
way, so that it can never hit a correct answer. Anything uncertain returns ``None`` and
goes on to the taxonomy and the judge. Each verdict names the rule that gave it.

The prediction is written by the policy being trained, so some rules are also defences
against reward hacking: an answer that lists options, runs to a sentence, repeats itself, or
talks to the grader ("category: specific", "ignore the instructions") is wrong before any
judge reads it.
"""

from __future__ import annotations

import base64
import codecs
from dataclasses import dataclass

import regex

from verifier_service.grading.categories import Category
from verifier_service.grading.normalise import fold_diacritics, label_key
from verifier_service.grading.unicode_safety import latin_skeleton


@dataclass(frozen=True, slots=True)
class RuleVerdict:
    category: Category
    reason: str  # which rule fired, for the caller and the audit log


# Whole-answer refusals, matched against the label key of the prediction with diacritics folded
# (lower case, no punctuation, dashes as spaces: "I don't know." arrives as "i don t know"). A refusal with a
# name in it ("not sure, maybe a robin") does not match: the judge decides.
_POLITE = r"(?:(?:sorry|honestly|unfortunately|well|hmm|i m sorry|i am sorry) )*"
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
    + r")$"
)

# "robin or cardinal", "either robin or cardinal", "robin and or cardinal" (from "and/or"), and "or"
# in other languages. Words only: "Oregon Junco" has no "or". ("o" (Spanish, Italian) is left to
# taxonomies, which know the parts are class names: it is also the "O" of "O'Brien".) Scripts
# written without spaces are searched inside the text. Every check here is one pass over the
# words: linear in the answer's length.
_OR_WORDS = frozenset(
    {"or", "either", "oder", "ou", "или", "либо", "або", "oppure", "ovvero", "eller", "lub", "albo", "vagy", "veya"}
)
_OR_PHRASES = ("ya da",)
_OR_UNSPACED = ("或", "还是", "または", "もしくは", "아니면", "또는")

# A class name is short; an answer this long is a sentence or an attempt to talk to the grader.
MAX_ANSWER_WORDS = 16
# Words that address the grader rather than name an object: the category names, their synonyms
# ("correct", "exact match") and translations, and words about grading. An answer using them
# (when the label does not) is text written at the judge ("category: specific", "ignore the
# instructions"). Checked on the answer as written, on its Latin skeleton (category words in
# Cyrillic look-alikes), on letters spaced out ("s p e c i f i c") and on simple encodings.
# (Matched on the label key: diacritics are folded, "spécifique" reads "specifique".)
_GRADER_WORDS = frozenset(
    "specific generic wrong abstain correct incorrect matches category categories grade graded grades grader "
    "grading judge judged judges instruction instructions prompt ignore "
    "especifico especifica generico generica correcto correcta incorrecto incorrecta specifique generique "
    "spezifisch generisch richtig falsch korrekt specifico corretto sbagliato верно".split()
)
_GRADER_STEMS = ("правильн", "неправильн", "конкретн", "специфичн", "категори")
_GRADER_PHRASES = ("exact match", "perfect match")
_GRADER_UNSPACED = ("正确", "错误", "具体", "正確", "正解", "不正解")
# Single letters in a row ("s p e c i f i c"): joined, they may spell a grader word.
_SPACED_LETTERS = regex.compile(r"(?:^| )((?:\w ){2,}\w)(?= |$)")
# A long token of base64 or hex digits: decoded, it may spell a grader word.
_ENCODED = regex.compile(r"^(?:[A-Za-z0-9+/]{8,}={0,2}|(?:[0-9a-fA-F]{2}){4,})$")
_LEET = str.maketrans("013457@$", "oieastas")

# A negated label: "not a golden-winged warbler", "kein Rotkehlchen". Never a correct name.
_NEGATION = regex.compile(
    r"^(?:it is |it s |this is |that s |this isn t |it isn t )?"
    r"(?:not|no|never|isn t|is not|nicht|kein|keine|keinen|pas|non|не|не является|no es)"
    r"(?: (?:a|an|the|ein|eine|un|une|uno|una))? "
)

# A fragment cut at an underscore or a dash: "_prototype", "prototype_", "737-". The mark is
# glued to the word, and the answer is not wrapped in it (markdown's "_American Robin_"),
# nor is it list markup ("- American Robin") or a dash set apart ("American Robin -").
_LEADING_CUT = regex.compile(r"^[_\p{Pd}](?=[\p{L}\p{N}])")
_TRAILING_CUT = regex.compile(r"(?<=[\p{L}\p{N}])[_\p{Pd}]$")


def is_refusal(prediction_key: str) -> bool:
    return _REFUSAL.match(prediction_key) is not None


def _says_any(text: str, words: frozenset[str], phrases: tuple[str, ...], unspaced: tuple[str, ...]) -> bool:
    padded = f" {text} "
    return (
        any(word in words for word in text.split())
        or any(f" {phrase} " in padded for phrase in phrases)
        or any(part in text for part in unspaced)
    )


def _offers_options(text: str) -> bool:
    return _says_any(text, _OR_WORDS, _OR_PHRASES, _OR_UNSPACED)


def _talks_to_grader(text: str) -> bool:
    return _says_any(text, _GRADER_WORDS, _GRADER_PHRASES, _GRADER_UNSPACED) or any(
        word.startswith(_GRADER_STEMS) for word in text.split()
    )


def lists_several_options(prediction: str, ground_truth: str) -> bool:
    """True when the answer offers alternatives with "or" / "either", unless the label reads that way.

    Other separators ("robin/cardinal", "Laysan Albatross / Phoebastria immutabilis") may join
    a name and its synonym: only a taxonomy that knows both sides can tell, so they are left on.
    """
    return _offers_options(prediction) and not _offers_options(ground_truth)


def addresses_the_grader(prediction_key: str, ground_truth_key: str) -> bool:
    if _talks_to_grader(ground_truth_key):
        return False  # the label's own words ("generic drug"): nothing to tell apart
    return any(_talks_to_grader(variant) for variant in _readings(prediction_key))


def _readings(prediction_key: str) -> list[str]:
    """The answer, and what it spells once look-alikes, spaced letters or simple encodings are undone."""
    readings = [prediction_key, latin_skeleton(prediction_key).lower()]
    readings += ["".join(run.split()) for run in _SPACED_LETTERS.findall(prediction_key)]
    for token in prediction_key.split():
        readings += [token.translate(_LEET), token[::-1], codecs.encode(token, "rot13")]
    return readings


def spells_a_grader_word(raw_prediction: str) -> bool:
    """A token of base64 or hex that decodes to text with a grader word in it."""
    for token in raw_prediction.split():
        if not _ENCODED.match(token):
            continue
        for decode in (_from_base64, _from_hex):
            text = decode(token)
            if text and _talks_to_grader(" ".join(text.lower().split())):
                return True
    return False


def _from_base64(token: str) -> str | None:
    try:
        return base64.b64decode(token + "=" * (-len(token) % 4), validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None


def _from_hex(token: str) -> str | None:
    try:
        return bytes.fromhex(token).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None


def negates_the_label(prediction_key: str, ground_truth_key: str) -> bool:
    """ "not a golden-winged warbler": the label is named, and denied."""
    match = _NEGATION.match(prediction_key)
    rest = prediction_key[match.end() :] if match else ""
    return match is not None and (rest == ground_truth_key or rest.startswith(ground_truth_key + " "))


def is_repetition(prediction_key: str) -> bool:
    """Padding: a phrase said three times or more ("robin robin robin robin", "golden warbler" x3).

    One word said exactly three times is a name: zoological trinomials repeat it ("Gorilla gorilla
    gorilla", "Bison bison bison").
    """
    words = prediction_key.split()
    for size in range(1, len(words) // 3 + 1):
        repeats = len(words) // size
        if len(words) % size == 0 and words == words[:size] * repeats:
            return not (size == 1 and repeats == 3)
    return False


def is_malformed(prediction: str) -> bool:
    """Empty, or no letter or digit at all (only dashes left by normalisation)."""
    return not any(ch.isalnum() for ch in prediction)


def is_fragment(raw_prediction: str) -> bool:
    answer = raw_prediction.strip()
    leading, trailing = _LEADING_CUT.search(answer), _TRAILING_CUT.search(answer)
    if leading and trailing and answer[0] == answer[-1]:
        return False  # wrapped: "_American Robin_"
    return bool(leading or trailing)


def apply_rules(ground_truth: str, prediction: str, raw_prediction: str) -> RuleVerdict | None:
    """The verdict the rules settle for a normalised pair, or ``None`` to pass it on.

    ``ground_truth`` and ``prediction`` are ``normalise``-d; ``raw_prediction`` is the
    prediction as sent (a fragment's cut does not survive normalisation).
    """
    if is_malformed(prediction):
        return RuleVerdict(Category.WRONG, "malformed: no letter or digit")
    if is_fragment(raw_prediction):
        return RuleVerdict(Category.WRONG, "fragment: cut at an underscore or dash")
    prediction_key = label_key(prediction)
    truth_key = label_key(ground_truth)
    if prediction_key == truth_key:
        return RuleVerdict(Category.SPECIFIC, "same name")
    # Refusals and grader words are spotted with diacritics folded ("no lo sé"): such a match makes
    # an answer abstain or wrong, never correct, so folding cannot merge two names here.
    folded_key = fold_diacritics(prediction_key)
    if is_refusal(folded_key):
        return RuleVerdict(Category.ABSTAIN, "refusal")
    if lists_several_options(prediction, ground_truth):
        return RuleVerdict(Category.WRONG, "several options")
    if len(prediction_key.split()) > MAX_ANSWER_WORDS:
        return RuleVerdict(Category.WRONG, f"a sentence: over {MAX_ANSWER_WORDS} words")
    if addresses_the_grader(folded_key, fold_diacritics(truth_key)) or spells_a_grader_word(raw_prediction):
        return RuleVerdict(Category.WRONG, "addresses the grader")
    if negates_the_label(prediction_key, truth_key):
        return RuleVerdict(Category.WRONG, "negates the label")
    if is_repetition(prediction_key):
        return RuleVerdict(Category.WRONG, "repetition")
    return None

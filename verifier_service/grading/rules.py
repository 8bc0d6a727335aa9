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

from verifier_service.grading.answer_lists import read_list, split_answer
from verifier_service.grading.categories import Category
from verifier_service.grading.normalise import fold_diacritics, label_key
from verifier_service.grading.ports import NameLookup
from verifier_service.grading.refusals import is_compound_refusal, is_refusal
from verifier_service.grading.unicode_safety import latin_skeleton


@dataclass(frozen=True, slots=True)
class RuleVerdict:
    category: Category
    reason: str  # which rule fired, for the caller and the audit log


@dataclass(frozen=True, slots=True)
class Reading:
    """The answer read as one name: ``text`` (normalised) is what the taxonomy and judge grade."""

    text: str
    reason: str


# "robin or cardinal", "either robin or cardinal", "robin and or cardinal" (from "and/or"), and "or"
# in other languages. Words only: "Oregon Junco" has no "or". ("o" (Spanish, Italian) is left to
# taxonomies, which know the parts are class names: it is also the "O" of "O'Brien".) Scripts
# written without spaces are searched inside the text. Every check here is one pass over the
# words: linear in the answer's length.

# Words that vouch for an answer instead of naming anything ("the right answer", "100% sure").
_PRAISE_WORDS = frozenset(
    "right true accurate perfect perfectly exact exactly precisely definitely certainly obviously surely "
    "undoubtedly confirmed verified guaranteed correctly 100 label reward score points".split()
)
_ANSWER_TAG = regex.compile(r"<\s*/?\s*answer\b", regex.IGNORECASE)
_DIGIT_LETTERS = {"0": "o", "1": "il", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g"}

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


def _says_any(text: str, words: frozenset[str], phrases: tuple[str, ...], unspaced: tuple[str, ...]) -> bool:
    padded = f" {text} "
    return (
        any(word in words for word in text.split())
        or any(f" {phrase} " in padded for phrase in phrases)
        or any(part in text for part in unspaced)
    )


def _talks_to_grader(text: str) -> bool:
    return _says_any(text, _GRADER_WORDS, _GRADER_PHRASES, _GRADER_UNSPACED) or any(
        word.startswith(_GRADER_STEMS) for word in text.split()
    )


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


def negates_the_lineage(prediction_key: str, ground_truth_key: str, names: NameLookup | None) -> bool:
    """ "not melanoma" for a nodular melanoma: a name the taxonomy puts at or above the label, denied
    (the label is one, so the answer is false; a denial of something else names no class either,
    but that is the judge's to say)."""
    match = _NEGATION.match(prediction_key)
    if match is None or names is None:
        return False
    return names.relate(prediction_key[match.end() :], ground_truth_key) in ("same", "above")


def is_repetition(prediction_key: str) -> bool:
    """Padding, as the README states it: a phrase of two or more words said three times or more, or
    one word said four times or more, anywhere in the answer ("robin robin robin robin", "golden
    warbler" three times). One word said exactly three times can be a name: zoological trinomials
    repeat it ("Gorilla gorilla gorilla", "Bison bison bison").
    """
    words = prediction_key.split()[: MAX_ANSWER_WORDS + 1]
    counts: dict[tuple[str, ...], int] = {}
    for size in range(1, len(words) // 3 + 1):
        for start in range(len(words) - size + 1):
            phrase = tuple(words[start : start + size])
            counts[phrase] = counts.get(phrase, 0) + 1
    # A phrase of one word said over and over ("robin robin") is counted as that word.
    return any(
        n >= (4 if len(phrase) == 1 else 3) for phrase, n in counts.items() if len(phrase) == 1 or len(set(phrase)) > 1
    )


def stuffs_the_label(prediction_key: str, truth_key: str) -> bool:
    """The label's words stuffed: its name said twice or more ("herring gull herring gull"), or once
    with two or more of its words again ("herring gull herring gull gull"). A tautonym or trinomial
    ("gorilla gorilla" for "gorilla") is a name, not stuffing."""
    label, words = truth_key.split(), prediction_key.split()
    if not label or len(set(words)) == 1:
        return False
    rest, found = list(words), 0
    for start in range(len(words) - len(label), -1, -1):
        if rest[start : start + len(label)] == label:
            del rest[start : start + len(label)]
            found += 1
    return found >= 2 or (found == 1 and len(rest) >= 2 and set(rest) <= set(label))


def has_answer_tag(raw_prediction: str) -> bool:
    """An answer tag inside the answer: a second ``<answer>``, or the end of one and another after it."""
    return _ANSWER_TAG.search(raw_prediction) is not None


def spells_a_label_word_in_digits(prediction_key: str, truth_key: str) -> bool:
    """Malformed on purpose: a word of the label written with digits for letters ("m4ll4rd", "b1rd" for
    a bird), never a word that has digits in the label itself ("737", "A320")."""
    label = set(truth_key.split())
    for token in prediction_key.split():
        if token in label or token.isalpha() or token.isdigit() or not any(c.isalpha() for c in token):
            continue
        if any(reading in label for reading in _letter_readings(token)):
            return True
    return False


def _letter_readings(token: str) -> set[str]:
    readings = {""}
    for char in token[:32]:
        letters = _DIGIT_LETTERS.get(char, char)
        readings = {r + letter for r in readings for letter in letters}
        if len(readings) > 64:
            return set()
    return readings


def praises_the_answer(folded_key: str, folded_truth: str, names: NameLookup | None, whole: str) -> bool:
    """Words that vouch for the answer rather than name anything ("the right answer", "100% sure"),
    unless the label uses them or the whole answer is a known name ("right whale", "true bug")."""
    words = set(folded_key.split()) - set(folded_truth.split())
    if not words & _PRAISE_WORDS:
        return False
    return names is None or not names.knows(whole)


def is_malformed(prediction: str) -> bool:
    """Empty, or no letter or digit at all (only dashes left by normalisation)."""
    return not any(ch.isalnum() for ch in prediction)


def is_fragment(raw_prediction: str) -> bool:
    answer = raw_prediction.strip()
    leading, trailing = _LEADING_CUT.search(answer), _TRAILING_CUT.search(answer)
    if leading and trailing and answer[0] == answer[-1]:
        return False  # wrapped: "_American Robin_"
    return bool(leading or trailing)


def apply_rules(
    ground_truth: str,
    prediction: str,
    raw_prediction: str,
    names: NameLookup | None = None,
    raw_ground_truth: str | None = None,
) -> RuleVerdict | Reading | None:
    """The verdict the rules settle for a normalised pair, a reading of the answer as one name
    (an answer listing one concept several ways), or ``None`` to pass it on.

    ``ground_truth`` and ``prediction`` are ``normalise``-d; ``raw_prediction`` (and
    ``raw_ground_truth``) are as sent: a fragment's cut and a list's commas do not survive
    normalisation. ``names`` is the taxonomy the pair is graded with, if any.
    """
    if is_malformed(prediction):
        return RuleVerdict(Category.WRONG, "malformed: no letter or digit")
    if has_answer_tag(raw_prediction):
        return RuleVerdict(Category.WRONG, "an answer tag inside the answer")
    if is_fragment(raw_prediction):
        return RuleVerdict(Category.WRONG, "fragment: cut at an underscore or dash")
    prediction_key = label_key(prediction)
    truth_key = label_key(ground_truth)
    if prediction_key == truth_key:
        return RuleVerdict(Category.SPECIFIC, "same name")
    # Refusals and grader words are spotted with diacritics folded ("no lo sé"): such a match makes
    # an answer abstain or wrong, never correct, so folding cannot merge two names here.
    folded_key, folded_truth = fold_diacritics(prediction_key), fold_diacritics(truth_key)
    if is_refusal(folded_key) or is_compound_refusal(raw_prediction):
        return RuleVerdict(Category.ABSTAIN, "refusal")
    if len(prediction_key.split()) > MAX_ANSWER_WORDS:
        return RuleVerdict(Category.WRONG, f"a sentence: over {MAX_ANSWER_WORDS} words")
    if addresses_the_grader(folded_key, folded_truth) or spells_a_grader_word(raw_prediction):
        return RuleVerdict(Category.WRONG, "addresses the grader")
    if praises_the_answer(folded_key, folded_truth, names, prediction):
        return RuleVerdict(Category.WRONG, "vouches for the answer")
    if negates_the_label(prediction_key, truth_key):
        return RuleVerdict(Category.WRONG, "negates the label")
    if negates_the_lineage(prediction_key, truth_key, names):
        return RuleVerdict(Category.WRONG, "negates a name at or above the label")
    if is_repetition(prediction_key):
        return RuleVerdict(Category.WRONG, "repetition")
    if stuffs_the_label(prediction_key, truth_key):
        return RuleVerdict(Category.WRONG, "the label stuffed")
    if spells_a_label_word_in_digits(prediction_key, truth_key):
        return RuleVerdict(Category.WRONG, "malformed: digits for letters")
    listed = read_list(split_answer(raw_prediction, raw_ground_truth or ground_truth), prediction, names)
    if listed is not None and listed.outcome == "wrong":
        return RuleVerdict(Category.WRONG, listed.reason)
    if listed is not None and listed.outcome == "read":
        return Reading(listed.text, listed.reason)
    return None

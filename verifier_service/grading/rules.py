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

from dataclasses import dataclass

import regex

from verifier_service.grading.categories import Category
from verifier_service.grading.normalise import label_key


@dataclass(frozen=True, slots=True)
class RuleVerdict:
    category: Category
    reason: str  # which rule fired, for the caller and the audit log


# Whole-answer refusals, matched against the label key of the prediction (lower case, no
# punctuation, dashes as spaces: "I don't know." arrives as "i don t know"). A refusal with a
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
    r"(?:there is )?not enough (?:information|detail|details)|insufficient (?:information|detail)"
    r")$"
)

# "robin or cardinal", "either robin or cardinal", "robin and or cardinal" (from "and/or").
_OR_WORD = regex.compile(r"(?:^| )(?:or|either)(?: |$)")

# A class name is short; an answer this long is a sentence or an attempt to talk to the grader.
MAX_ANSWER_WORDS = 16
# Words that address the grader rather than name an object. An answer using them (when the label
# does not) is text written at the judge ("category: specific", "ignore the instructions").
_GRADER_WORDS = r"specific|generic|categor(?:y|ies)|grade[sd]?|grader|grading|judge[sd]?|instructions?|prompt|ignore"
_GRADER_TALK = regex.compile(rf"(?:^| )(?:{_GRADER_WORDS})(?: |$)")

# A fragment cut at an underscore or a dash: "_prototype", "prototype_", "737-". The mark is
# glued to the word, and the answer is not wrapped in it (markdown's "_American Robin_"),
# nor is it list markup ("- American Robin") or a dash set apart ("American Robin -").
_LEADING_CUT = regex.compile(r"^[_\p{Pd}](?=[\p{L}\p{N}])")
_TRAILING_CUT = regex.compile(r"(?<=[\p{L}\p{N}])[_\p{Pd}]$")


def is_refusal(prediction_key: str) -> bool:
    return _REFUSAL.match(prediction_key) is not None


def lists_several_options(prediction: str, ground_truth: str) -> bool:
    """True when the answer offers alternatives with "or" / "either", unless the label reads that way.

    Other separators ("robin/cardinal", "Laysan Albatross / Phoebastria immutabilis") may join
    a name and its synonym: only a taxonomy that knows both sides can tell, so they are left on.
    """
    return bool(_OR_WORD.search(prediction)) and not _OR_WORD.search(ground_truth)


def addresses_the_grader(prediction_key: str, ground_truth_key: str) -> bool:
    return bool(_GRADER_TALK.search(prediction_key)) and not _GRADER_TALK.search(ground_truth_key)


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
    if is_refusal(prediction_key):
        return RuleVerdict(Category.ABSTAIN, "refusal")
    if lists_several_options(prediction, ground_truth):
        return RuleVerdict(Category.WRONG, "several options")
    if len(prediction_key.split()) > MAX_ANSWER_WORDS:
        return RuleVerdict(Category.WRONG, f"a sentence: over {MAX_ANSWER_WORDS} words")
    if addresses_the_grader(prediction_key, truth_key):
        return RuleVerdict(Category.WRONG, "addresses the grader")
    if is_repetition(prediction_key):
        return RuleVerdict(Category.WRONG, "repetition")
    return None

"""Deterministic rules that settle the obvious cases without a model.

Every rule here is conservative: it fires only on shapes that cannot be read any other
way. Anything uncertain returns ``None`` and goes on to the taxonomy and the judge.

The prediction is written by the policy being trained, so some rules are also defences
against reward hacking: an answer that lists options, runs to a sentence, repeats itself, or
talks to the grader ("category: specific", "ignore the instructions") is wrong before any
judge reads it.
"""

from __future__ import annotations

import re

from verifier_service.grading.categories import Category
from verifier_service.grading.normalise import label_key

# Whole-answer refusals, matched against the label key of the prediction (lower case,
# punctuation gone, so "I don't know." arrives as "i don t know").
_I = r"(?:i )?"
_CANNOT = r"(?:can ?not|can t|cant|could not|couldn t|am unable to|m unable to|unable to|am not able to|m not able to)"
_VERB = r"(?:tell|say|determine|identify|know|classify|recogni[sz]e|be sure|answer|decide)"
_OBJECT = (
    r"(?: (?:it|this|that|for sure|what (?:it|this|that) is|the (?:species|breed|class|object|category|type|model)))?"
)
_REFUSAL = re.compile(
    r"^(?:"
    r"none|none of (?:the above|these|them)|nothing|unknown|unsure|uncertain|not sure|"
    r"undetermined|unidentifiable|unidentified|indeterminate|unclear|n a|no answer|no idea|"
    rf"{_I}(?:have )?no idea|{_I}(?:am |m )?not (?:sure|certain)|"
    rf"{_I}(?:do not|don t|dont) know|"
    rf"{_I}{_CANNOT} {_VERB}{_OBJECT}|"
    r"(?:it is |it s )?(?:impossible|hard|difficult|not possible) to (?:tell|say|determine|identify)|"
    r"abstain|i abstain"
    r")$"
)

# "robin or cardinal", "either robin or cardinal", "robin and or cardinal" (from "and/or").
_OR_WORD = re.compile(r"(?:^| )(?:or|either)(?: |$)")
# "robin/cardinal" in the raw answer: a slash between two words of three letters or more.
# "F/A-18", "F-16A/B" or "737/747" do not match: they are names, not alternatives.
_SLASHED_WORDS = re.compile(r"[^\W\d_]{3,}\s*/\s*[^\W\d_]{3,}")


# A class name is short; an answer this long is a sentence or an attempt to talk to the grader.
MAX_ANSWER_WORDS = 16
# Words that address the grader rather than name an object. An answer using them (when the label
# does not) is text written at the judge ("category: specific", "ignore the instructions").
_GRADER_WORDS = r"specific|generic|categor(?:y|ies)|grade[sd]?|grader|grading|judge[sd]?|instructions?|prompt|ignore"
_GRADER_TALK = re.compile(rf"(?:^| )(?:{_GRADER_WORDS})(?: |$)")


def is_refusal(prediction_key: str) -> bool:
    return _REFUSAL.match(prediction_key) is not None


def lists_several_options(raw_prediction: str, prediction: str, ground_truth: str) -> bool:
    """True when the answer offers alternatives, unless the label itself reads that way."""
    if _OR_WORD.search(prediction) and not _OR_WORD.search(ground_truth):
        return True
    return bool(_SLASHED_WORDS.search(raw_prediction)) and "/" not in ground_truth


def addresses_the_grader(prediction_key: str, ground_truth_key: str) -> bool:
    return bool(_GRADER_TALK.search(prediction_key)) and not _GRADER_TALK.search(ground_truth_key)


def is_repetition(prediction_key: str) -> bool:
    """The same word or phrase three times or more ("robin robin robin"): padding, not a name."""
    words = prediction_key.split()
    for size in range(1, len(words) // 3 + 1):
        if len(words) % size == 0 and words == words[:size] * (len(words) // size):
            return True
    return False


def is_malformed(prediction: str) -> bool:
    """Empty, no letter or digit at all, or a fragment cut at an underscore or dash ("_prototype")."""
    if not any(ch.isalnum() for ch in prediction):
        return True
    return prediction[0] in "_-" or prediction[-1] in "_-"


def apply_rules(ground_truth: str, prediction: str, raw_prediction: str) -> Category | None:
    """The category the rules settle for a normalised pair, or ``None`` to pass it on.

    ``ground_truth`` and ``prediction`` are ``normalise``-d; ``raw_prediction`` is the
    prediction as sent (some shapes, like a slash, do not survive normalisation).
    """
    if is_malformed(prediction):
        return Category.WRONG
    prediction_key = label_key(prediction)
    truth_key = label_key(ground_truth)
    if prediction_key == truth_key:
        return Category.SPECIFIC
    if is_refusal(prediction_key):
        return Category.ABSTAIN
    if lists_several_options(raw_prediction, prediction, ground_truth):
        return Category.WRONG
    if len(prediction_key.split()) > MAX_ANSWER_WORDS:
        return Category.WRONG
    if addresses_the_grader(prediction_key, truth_key) or is_repetition(prediction_key):
        return Category.WRONG
    return None

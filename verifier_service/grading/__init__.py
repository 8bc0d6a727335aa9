"""The pure grading core: categories, normalisation, rules, taxonomies and the Grader pipeline."""

from verifier_service.grading.categories import CATEGORIES, CATEGORY_NAMES, Category, parse_category
from verifier_service.grading.grader import Grader, InvalidItemError, UnknownNameError, cache_key
from verifier_service.grading.normalise import label_key, normalise
from verifier_service.grading.types import (
    Grade,
    GradeInput,
    JudgeFailure,
    Judgement,
    JudgeOutcome,
    JudgeRequest,
    Source,
    Status,
)

__all__ = [
    "CATEGORIES",
    "CATEGORY_NAMES",
    "Category",
    "Grade",
    "GradeInput",
    "Grader",
    "InvalidItemError",
    "JudgeFailure",
    "JudgeOutcome",
    "JudgeRequest",
    "Judgement",
    "Source",
    "Status",
    "UnknownNameError",
    "cache_key",
    "label_key",
    "normalise",
    "parse_category",
]

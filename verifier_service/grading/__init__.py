"""The pure grading core: categories, normalisation, rules, the Grader pipeline and its judge tier."""

from verifier_service.grading.categories import CATEGORIES, CATEGORY_NAMES, Category, parse_category
from verifier_service.grading.grader import Grader, GradingResult, PairKey
from verifier_service.grading.judge_tier import JudgeTier, NamedJudge, cache_key
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
from verifier_service.grading.validation import (
    GradingLimits,
    InvalidItemError,
    InvalidRequest,
    RequestTooLarge,
    UnknownNameError,
)

__all__ = [
    "CATEGORIES",
    "CATEGORY_NAMES",
    "Category",
    "Grade",
    "GradeInput",
    "Grader",
    "GradingLimits",
    "GradingResult",
    "InvalidItemError",
    "InvalidRequest",
    "JudgeFailure",
    "JudgeOutcome",
    "JudgeRequest",
    "JudgeTier",
    "Judgement",
    "NamedJudge",
    "PairKey",
    "RequestTooLarge",
    "Source",
    "Status",
    "UnknownNameError",
    "cache_key",
    "label_key",
    "normalise",
    "parse_category",
]

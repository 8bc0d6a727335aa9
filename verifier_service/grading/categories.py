"""The six grading categories of the method and their orderings."""

from __future__ import annotations

from enum import Enum


class Category(str, Enum):
    """How a prediction relates to the ground truth (see METHOD.md)."""

    SPECIFIC = "specific"
    MORE_SPECIFIC = "more specific"
    LESS_SPECIFIC = "less specific"
    GENERIC = "generic"
    WRONG = "wrong"
    ABSTAIN = "abstain"

    @property
    def correct(self) -> bool:
        """True when the prediction names the object correctly, at any level of detail."""
        return self in _CORRECT


_CORRECT = frozenset({Category.SPECIFIC, Category.MORE_SPECIFIC, Category.LESS_SPECIFIC, Category.GENERIC})

# The order used everywhere a list of the six is needed (prompts, probabilities).
CATEGORIES: tuple[Category, ...] = tuple(Category)
CATEGORY_NAMES: tuple[str, ...] = tuple(c.value for c in CATEGORIES)


def parse_category(text: str) -> Category:
    """The category named by ``text`` (case and surrounding space ignored).

    Raises ``ValueError`` for anything that is not exactly one of the six names.
    """
    key = " ".join(text.strip().lower().replace("_", " ").split())
    try:
        return Category(key)
    except ValueError:
        raise ValueError(f"not a category: {text!r}; expected one of {list(CATEGORY_NAMES)}") from None

"""What one taxonomy may hold: every name and text is bounded, so an upload costs about its size.

A node's name becomes a key the grader looks answers up under and, through a lineage, part of
a judge's prompt: a name of a megabyte would make every such pair cost a megabyte.
"""

from __future__ import annotations

MAX_TERM_CHARS = 256  # a node's name, a synonym, a rank, a group's name: about the length of a ground truth
MAX_TEXT_CHARS = 4096  # a description, a source
MAX_OVERLAPS = 1000  # overlap declarations in one taxonomy (each lineage summarises those above it)


def check_term_length(term: str, what: str, limit: int, problems: list[str]) -> bool:
    """Whether ``term`` is within ``limit`` characters; otherwise a problem says so."""
    if len(term) <= limit:
        return True
    problems.append(f"{what} {term[:40]!r}... has {len(term)} characters; the limit is {limit}")
    return False

"""What the client and the verifier service agree on over the wire: the six category names.

These strings are the protocol (``POST /grade`` answers them in ``category``), so the client
owns its copy and depends on nothing of the server. ``UNPARSEABLE`` and ``ERROR`` never come
from the service: they are the client's names for a completion with no usable answer and
for an item the service could not grade.
"""

from __future__ import annotations

SPECIFIC = "specific"
MORE_SPECIFIC = "more specific"
LESS_SPECIFIC = "less specific"
GENERIC = "generic"
WRONG = "wrong"
ABSTAIN = "abstain"

CATEGORIES = (SPECIFIC, MORE_SPECIFIC, LESS_SPECIFIC, GENERIC, WRONG, ABSTAIN)
CORRECT = frozenset({SPECIFIC, MORE_SPECIFIC, LESS_SPECIFIC, GENERIC})

UNPARSEABLE = "unparseable"  # the completion had no usable <answer>
ERROR = "error"  # the verifier could not grade the answer

KNOWN = frozenset(CATEGORIES) | {UNPARSEABLE, ERROR}

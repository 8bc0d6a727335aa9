"""Getting the answer out of a completion: the text of its first ``<answer>…</answer>`` tag."""

from __future__ import annotations

import re
from typing import Any

_OPEN = re.compile(r"<\s*answer\s*>", re.IGNORECASE)
_CLOSE = re.compile(r"<\s*/\s*answer\s*>", re.IGNORECASE)
# What survives normalisation (word characters and dashes): an answer without any is empty.
_NAMES_ANYTHING = re.compile(r"[\w-]")


def extract_answer(completion: str) -> str | None:
    """The answer inside the first ``<answer>…</answer>``, or ``None`` when there is none.

    ``None`` (unparseable) when no tag opens, the first tag never closes, or its content is
    empty after the method's normalisation. A tag opened again inside the first one (nested
    tags) is dropped, so ``<answer><answer>robin</answer></answer>`` reads "robin". The text
    is returned as written, not normalised: the verifier normalises, and some shapes it
    checks (a slash between two options) do not survive normalisation.
    """
    opened = _OPEN.search(completion)
    if opened is None:
        return None
    closed = _CLOSE.search(completion, opened.end())
    if closed is None:
        return None
    answer = _OPEN.sub(" ", completion[opened.end() : closed.start()]).strip()
    return answer if _NAMES_ANYTHING.search(answer) else None


def completion_text(completion: Any) -> str:
    """The text of a TRL completion: a string (standard format) or a list of messages
    (conversational format), whose content may itself be a list of typed parts."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, list):
        return "".join(_message_text(message) for message in completion)
    if isinstance(completion, dict):
        return _message_text(completion)
    raise TypeError(f"unsupported completion type {type(completion).__name__}")


def _message_text(message: Any) -> str:
    content = message.get("content") if isinstance(message, dict) else message
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            part.get("text", "") for part in content if isinstance(part, dict) and part.get("type") == "text"
        )
    raise TypeError(f"unsupported message content type {type(content).__name__}")

"""Getting the answer out of a completion: the text of its first ``<answer>…</answer>``.

The method's rule (shared/METHOD.md, "Extraction"), the default: the first ``<answer>…</answer>``
with exactly these lower-case tags, the shortest match, which may span lines, stripped of
surrounding whitespace. No match, or nothing left after stripping, is unparseable (-1).

``lenient=True`` is an explicit, different reading for models that write tags loosely: tags in
any case and with spaces inside (``<Answer >``), and a tag opened again inside the first one
dropped. It changes which completions are unparseable, so it changes rewards: not the method's.
"""

from __future__ import annotations

import re
from typing import Any

_ANSWER = re.compile(r"<answer>(.*?)</answer>", re.DOTALL)

_LENIENT_OPEN = re.compile(r"<\s*answer\s*>", re.IGNORECASE)
_LENIENT_CLOSE = re.compile(r"<\s*/\s*answer\s*>", re.IGNORECASE)


def extract_answer(completion: str, *, lenient: bool = False) -> str | None:
    """The answer inside the first ``<answer>…</answer>``, stripped; ``None`` when unparseable.

    The text is returned as written, not normalised: the verifier normalises.
    """
    if lenient:
        return _extract_leniently(completion)
    match = _ANSWER.search(completion)
    if match is None:
        return None
    return match.group(1).strip() or None


def _extract_leniently(completion: str) -> str | None:
    opened = _LENIENT_OPEN.search(completion)
    if opened is None:
        return None
    closed = _LENIENT_CLOSE.search(completion, opened.end())
    if closed is None:
        return None
    return _LENIENT_OPEN.sub(" ", completion[opened.end() : closed.start()]).strip() or None


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

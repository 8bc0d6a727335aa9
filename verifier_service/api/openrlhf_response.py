"""Where the response begins in OpenRLHF's decoded sequence, never reading the prompt as the answer."""

from __future__ import annotations

# What a vision-language processor expands or replaces in the prompt it is given (Qwen2-VL's one
# <|image_pad|> becomes one per image patch), so the prompt as sent is not in the decoded query.
PLACEHOLDERS = ("<|vision_start|>", "<|image_pad|>", "<|video_pad|>", "<|vision_end|>", "<image>", "<video>")
TAIL_CHARS = 256  # how much of the prompt's end is looked for
MIN_TAIL_CHARS = 16  # less than this is too common to place the response by


class ResponseNotFound(ValueError):
    """The query does not show where the prompt ends."""


def response_of(query: str, prompt: str) -> str:
    """What follows the prompt in ``query``: after the whole prompt where it appears; else after
    the longest end of the prompt the query holds (of its last ``TAIL_CHARS`` characters after
    any image placeholder), which survives both a processor's expansion of image placeholders and
    a prompt cut at its front; else the same with whitespace ignored (a tokenizer whose decoding
    does not give the text back as it was: spaces between tokens, newlines dropped).
    ``ResponseNotFound`` otherwise: the whole query is never read, since the prompt's own
    instructions may show an ``<answer>`` tag (every rollout would get the prompt's answer)."""
    at = query.rfind(prompt) if prompt else -1
    if at >= 0:
        return query[at + len(prompt) :]
    end = prompt[-TAIL_CHARS:]
    for placeholder in PLACEHOLDERS:
        end = end.rsplit(placeholder, 1)[-1]
    found = _after_longest_end(query, end)
    if found is None:
        bare_query, places = _without_whitespace(query)
        bare_found = _after_longest_end(bare_query, _without_whitespace(end)[0])
        found = None if bare_found is None else places[bare_found - 1] + 1
    if found is None:
        raise ResponseNotFound(
            f"the prompt's end ({end[-80:]!r}) is not in the query, so the response cannot be told apart "
            "from the prompt: send the prompt as the model saw it"
        )
    return query[found:]


def _after_longest_end(query: str, end: str) -> int | None:
    """Where the longest end of ``end`` (at least ``MIN_TAIL_CHARS``) last ends in ``query``. If an
    end of some length is in the query, every shorter one is, so a bisection finds it."""
    low, high = MIN_TAIL_CHARS - 1, len(end)
    while low < high:
        middle = (low + high + 1) // 2
        if end[-middle:] in query:
            low = middle
        else:
            high = middle - 1
    if low < MIN_TAIL_CHARS:
        return None
    found = end[-low:]
    return query.rfind(found) + len(found)


def _without_whitespace(text: str) -> tuple[str, list[int]]:
    """``text`` without its whitespace, and where each remaining character was."""
    places = [i for i, c in enumerate(text) if not c.isspace()]
    return "".join(text[i] for i in places), places

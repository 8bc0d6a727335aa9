"""Rendering the grading prompt and the six replies as token ids, with the model's own chat template."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from verifier_service.grading.categories import CATEGORIES
from verifier_service.grading.types import JudgeRequest
from verifier_service.judges.prompt import chat_messages

_SENTINEL = "SENTINELREPLY"


def load_tokenizer(location: str | Path) -> Any:
    """A Hugging Face tokenizer from a model directory, a hub id available offline, or a .gguf file."""
    from transformers import AutoTokenizer

    path = Path(location).expanduser()
    if path.is_file() and path.suffix.lower() == ".gguf":
        return AutoTokenizer.from_pretrained(path.parent, gguf_file=path.name)
    return AutoTokenizer.from_pretrained(str(location))


class ChatPromptEncoder:
    """Token ids of the judge prompt and of each category reply, for one tokenizer."""

    def __init__(self, tokenizer: Any) -> None:
        if not getattr(tokenizer, "chat_template", None):
            raise ValueError("the judge's tokenizer has no chat template; use an instruct model")
        self.tokenizer = tokenizer
        self.end_of_turn = self._end_of_turn_id()
        # Each reply is the category's tokens, then the end of the assistant's turn.
        self.option_ids: list[list[int]] = [
            tokenizer(category.value, add_special_tokens=False).input_ids + [self.end_of_turn]
            for category in CATEGORIES
        ]

    def prompt_ids(self, request: JudgeRequest) -> list[int]:
        text = self.tokenizer.apply_chat_template(chat_messages(request), tokenize=False, add_generation_prompt=True)
        return self.tokenizer(text, add_special_tokens=False).input_ids

    def _end_of_turn_id(self) -> int:
        """The token the template closes an assistant turn with (``<|im_end|>``, ``<|eot_id|>`` ...)."""
        messages = [{"role": "user", "content": "u"}, {"role": "assistant", "content": _SENTINEL}]
        try:
            rendered = self.tokenizer.apply_chat_template(messages, tokenize=False)
        except Exception:  # some templates refuse a bare exchange; the eos token is the next best answer
            rendered = ""
        after = rendered.split(_SENTINEL, 1)[1] if _SENTINEL in rendered else ""
        ids = self.tokenizer(after, add_special_tokens=False).input_ids if after.strip() else []
        if ids:
            return ids[0]
        if self.tokenizer.eos_token_id is None:
            raise ValueError("cannot tell how the chat template ends an assistant turn, and there is no eos token")
        return self.tokenizer.eos_token_id

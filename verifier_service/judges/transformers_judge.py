"""An in-process judge: a transformers causal LM that scores the six categories.

For machines without a GPU (development, CI, small evaluations). Production judging
goes through a serving engine (see the SGLang adapter).

How a pair is scored: the prompt is rendered with the model's own chat template, and
each category string, followed by the end-of-turn token, is scored as the assistant's
complete reply: log P(reply) = sum of its tokens' log-probabilities. A softmax over the
six totals is the distribution a decoder constrained to the six strings would sample
from at temperature 1; the verdict is its argmax (what it would emit at temperature 0).
Including the end-of-turn token matters: without it "specific" would also collect the
probability of every longer reply that starts with it.

Cost: the instruction block is the same for every pair, so its KV cache is computed once
at load time. Per pair, only the short user message runs once, and then the six replies
run as one batch of six on a copy of that cache.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from verifier_service.grading.categories import CATEGORIES
from verifier_service.grading.types import Judgement, JudgeOutcome, JudgeRequest
from verifier_service.judges.prompt import PROMPT_VERSION, chat_messages

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModelLocation:
    """A model directory, or a GGUF file (``gguf_file`` names it inside ``directory``)."""

    directory: Path
    gguf_file: str | None = None

    @classmethod
    def from_path(cls, path: Path) -> ModelLocation:
        path = path.expanduser()
        if path.is_file() and path.suffix.lower() == ".gguf":
            return cls(path.parent, path.name)
        if path.is_dir():
            return cls(path)
        raise FileNotFoundError(f"no model directory or .gguf file at {path}")

    @property
    def label(self) -> str:
        return self.gguf_file or self.directory.name

    def fingerprint(self) -> str:
        """A short content hash, so a different model file never shares cache entries."""
        digest = hashlib.sha256()
        if self.gguf_file:
            with open(self.directory / self.gguf_file, "rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(block)
        else:
            for file in sorted(self.directory.iterdir()):
                if file.is_file():
                    digest.update(f"{file.name}:{file.stat().st_size}".encode())
                    if file.suffix == ".json":
                        digest.update(file.read_bytes())
        return digest.hexdigest()[:12]


class TransformersJudge:
    """Scores the six categories by log-probability with a local causal LM."""

    def __init__(self, location: ModelLocation, *, name: str = "local", threads: int | None = None) -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        if threads:
            torch.set_num_threads(threads)
        self.name = name
        self._torch = torch
        kwargs: dict[str, Any] = {"gguf_file": location.gguf_file} if location.gguf_file else {}
        self._tokenizer = AutoTokenizer.from_pretrained(location.directory, **kwargs)
        self._model = AutoModelForCausalLM.from_pretrained(location.directory, **kwargs).eval()
        if not self._tokenizer.chat_template:
            raise ValueError(f"{location.label} has no chat template; the judge needs an instruct model")
        end_of_turn = self._tokenizer.eos_token_id
        if end_of_turn is None:
            raise ValueError(f"{location.label} has no end-of-sequence token")
        self._identity = f"transformers:{location.label}@{location.fingerprint()}|prompt={PROMPT_VERSION}"
        self._options = [
            self._tokenizer(category.value, add_special_tokens=False).input_ids + [end_of_turn]
            for category in CATEGORIES
        ]
        self._pad = end_of_turn
        self._lock = threading.Lock()
        self._prefix_ids, self._prefix_cache = self._build_prefix_cache()
        log.info("in-process judge %s ready (%s)", name, self._identity)

    @property
    def identity(self) -> str:
        return self._identity

    # ---- prompt rendering ------------------------------------------------------------
    def _prompt_ids(self, request: JudgeRequest) -> list[int]:
        text = self._tokenizer.apply_chat_template(chat_messages(request), tokenize=False, add_generation_prompt=True)
        return self._tokenizer(text, add_special_tokens=False).input_ids

    def _build_prefix_cache(self) -> tuple[list[int], Any]:
        """KV cache of the token prefix shared by every prompt (the instruction block)."""
        a = self._prompt_ids(JudgeRequest("a", "b"))
        b = self._prompt_ids(JudgeRequest("x", "y"))
        shared = 0
        while shared < min(len(a), len(b)) and a[shared] == b[shared]:
            shared += 1
        # Keep one token back: a tokenizer may merge the last shared token with what follows.
        prefix = a[: max(shared - 1, 0)]
        if not prefix:
            return [], None
        with self._torch.inference_mode():
            out = self._model(input_ids=self._torch.tensor([prefix]), use_cache=True)
        return prefix, out.cache

    # ---- scoring ---------------------------------------------------------------------
    def _score(self, request: JudgeRequest, *, share_prefix: bool = True) -> Judgement:
        torch = self._torch
        ids = self._prompt_ids(request)
        start = len(self._prefix_ids)
        if share_prefix and self._prefix_cache is not None and ids[:start] == self._prefix_ids:
            cache = copy.deepcopy(self._prefix_cache)
        else:  # the template rendered this prompt differently; score it without the shared prefix
            start, cache = 0, None
        suffix = ids[start:]
        with torch.inference_mode():
            out = self._model(
                input_ids=torch.tensor([suffix]),
                position_ids=torch.arange(start, len(ids))[None],
                cache=cache,
                use_cache=True,
            )
            cache = out.cache
            first_token_logprobs = torch.log_softmax(out.logits[0, -1].float(), dim=-1)
            cache.batch_repeat_interleave(len(self._options))
            width = max(len(o) for o in self._options)
            # Right padding is safe without a mask: in a causal model the real tokens never
            # attend to the pads that follow them, and pad positions are never read.
            batch = torch.tensor([o + [self._pad] * (width - len(o)) for o in self._options])
            positions = torch.arange(len(ids), len(ids) + width)[None].expand(len(self._options), -1)
            logits = self._model(input_ids=batch, position_ids=positions, cache=cache).logits
            logprobs = torch.log_softmax(logits.float(), dim=-1)
        totals = []
        for row, option in enumerate(self._options):
            total = first_token_logprobs[option[0]]
            for j in range(1, len(option)):
                total = total + logprobs[row, j - 1, option[j]]
            totals.append(total)
        probabilities = torch.softmax(torch.stack(totals), dim=0).tolist()
        best = max(range(len(CATEGORIES)), key=probabilities.__getitem__)
        return Judgement(
            CATEGORIES[best], {category.value: p for category, p in zip(CATEGORIES, probabilities, strict=True)}
        )

    def _score_all(self, requests: Sequence[JudgeRequest]) -> list[JudgeOutcome]:
        with self._lock:  # one forward pass at a time: the model is shared
            return [self._score(request) for request in requests]

    async def judge(self, requests: Sequence[JudgeRequest]) -> list[JudgeOutcome]:
        return await asyncio.to_thread(self._score_all, list(requests))

    async def check_ready(self) -> None:
        return None  # loaded in the constructor: if it exists, it can grade

    async def aclose(self) -> None:
        return None

"""An in-process judge: a transformers causal LM that scores the six categories.

For machines without a GPU (development, CI, small evaluations). Production judging
goes through a serving engine (see the SGLang adapter).

A pair is scored by option scoring (``scoring.py``): the prompt is rendered with the
model's own chat template, and each category reply's log-probability is summed over its
tokens. The instruction block is the same for every pair, so its KV cache is computed
once at load time; per pair, only the short user message runs once, and then the six
replies run as one batch of six on a copy of that cache.
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

from verifier_service.grading.types import Judgement, JudgeOutcome, JudgeRequest
from verifier_service.judges.chat_prompt import ChatPromptEncoder
from verifier_service.judges.prompt import PROMPT_VERSION
from verifier_service.judges.scoring import (
    CONTENT_FREE_REQUESTS,
    Calibration,
    calibration_label,
    judgement_from_option_logprobs,
    option_prior,
)

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

    def __init__(
        self,
        location: ModelLocation,
        *,
        name: str = "local",
        threads: int | None = None,
        calibration: Calibration = "none",
    ) -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        if threads:
            torch.set_num_threads(threads)
        self.name = name
        self._torch = torch
        kwargs: dict[str, Any] = {"gguf_file": location.gguf_file} if location.gguf_file else {}
        tokenizer = AutoTokenizer.from_pretrained(location.directory, **kwargs)
        self._encoder = ChatPromptEncoder(tokenizer)
        self._model = AutoModelForCausalLM.from_pretrained(location.directory, **kwargs).eval()
        self._identity = (
            f"transformers:{location.label}@{location.fingerprint()}|prompt={PROMPT_VERSION}"
            + calibration_label(calibration)
        )
        self._options = self._encoder.option_ids
        self._pad = self._encoder.end_of_turn
        self._lock = threading.Lock()
        self._prefix_ids, self._prefix_cache = self._build_prefix_cache()
        self._prior = (
            option_prior([self._option_totals(r) for r in CONTENT_FREE_REQUESTS])
            if calibration == "content_free"
            else None
        )
        log.info("in-process judge %s ready (%s)", name, self._identity)

    async def identity(self) -> str:
        return self._identity

    def _build_prefix_cache(self) -> tuple[list[int], Any]:
        """KV cache of the token prefix shared by every prompt (the instruction block)."""
        a = self._encoder.prompt_ids(JudgeRequest("a", "b"))
        b = self._encoder.prompt_ids(JudgeRequest("x", "y"))
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
        return judgement_from_option_logprobs(self._option_totals(request, share_prefix=share_prefix), self._prior)

    def _option_totals(self, request: JudgeRequest, *, share_prefix: bool = True) -> list[float]:
        """log P(reply | prompt) of each category reply, in ``CATEGORIES`` order."""
        torch = self._torch
        ids = self._encoder.prompt_ids(request)
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
            total = first_token_logprobs[option[0]].item()
            for j in range(1, len(option)):
                total += logprobs[row, j - 1, option[j]].item()
            totals.append(total)
        return totals

    def _score_all(self, requests: Sequence[JudgeRequest]) -> list[JudgeOutcome]:
        with self._lock:  # one forward pass at a time: the model is shared
            return [self._score(request) for request in requests]

    async def judge(self, requests: Sequence[JudgeRequest]) -> list[JudgeOutcome]:
        return await asyncio.to_thread(self._score_all, list(requests))

    async def check_ready(self) -> None:
        return None  # loaded in the constructor: if it exists, it can grade

    async def aclose(self) -> None:
        return None

"""OpenRLHF's agent executor (``--train.agent_func_path``) that rewards each prompt's samples as one group.

Read from OpenRLHF 0.11.2: ``RolloutRayActor.generate_responses`` (``openrlhf/trainer/ray/vllm_engine.py``)
generates a prompt's ``num_samples`` rollouts (``--rollout.n_samples_per_prompt``, or the eval
pass's own n) in one actor call, as that many concurrent ``executor.execute(prompt, label,
sampling_params, ...)`` coroutines sharing the call's argument objects; ``_load_agent_executor``
loads ``AgentExecutor`` from the file named by ``--train.agent_func_path``. So, unlike the remote
URL protocol (``/openrlhf/reward``, which sees only decoded text, one rollout per request):

- the group is exact: the executes of one call, joined before their first ``await`` (all of them
  start in the same event-loop pass, before any generation can finish), whatever its size and
  however many samples share a prompt text;
- the response is exact: the generated tokens (``action_ranges``), decoded, never looked for in
  a query whose prompt a processor expanded (Qwen2-VL image pads) or cut;
- the whole group is one ``POST /groups/rollouts`` with member ids 0..n-1, retried (transient
  failures, ``retry_for``) with the same ids: idempotent.

A group that cannot be scored (the verifier down past ``retry_for``, a judge error on a rollout that
might have been the best) gets the same reward, 0.0, on every rollout, and ``speciarl_unscored: 1``
in ``extra_logs``: under a group-relative advantage (``group_norm``, the method's GRPO; ``rloo``;
``dr_grpo``) a group of equal rewards has no advantage and teaches nothing, where a missing reward
would stop OpenRLHF (its experience merge needs one per sample). Generation itself is
``SingleTurnAgentExecutor.execute``, unchanged.

Settings (environment, on every node): ``VERIFIER_URL``; ``VERIFIER_API_KEY_FILE`` (or
``VERIFIER_API_KEY``); ``SPECIARL_TAXONOMY``, ``SPECIARL_JUDGE``, ``SPECIARL_SCHEME`` (dynamic),
``SPECIARL_WAIT_S`` (120), ``SPECIARL_RETRY_FOR_S`` (300).
"""

from __future__ import annotations

import asyncio
import logging
import os
import uuid
from pathlib import Path
from typing import Any

from openrlhf.utils.agent import SingleTurnAgentExecutor

from trainer_client.client import VerifierClient

log = logging.getLogger(__name__)
UNSCORED = "speciarl_unscored"


def _api_key() -> str | None:
    path = os.environ.get("VERIFIER_API_KEY_FILE")
    if path:
        key = Path(path).read_text().strip()
        if not key:
            raise ValueError(f"VERIFIER_API_KEY_FILE {path} is empty")
        return key
    return os.environ.get("VERIFIER_API_KEY")


def _sample(label: Any) -> dict[str, Any]:
    """The ground truth (and taxonomy) of a label: a string, or prepare-data's ``openrlhf_label``
    object (its sample id and group size are for the remote URL; here the call is the group)."""
    if isinstance(label, dict):
        taxonomy = {"taxonomy": label["taxonomy"]} if label.get("taxonomy") else {}
        return {"ground_truth": label["ground_truth"], **taxonomy}
    return {"ground_truth": label}


class _Group:
    """The executes of one ``generate_responses`` call: members join before generating, and the
    last to finish grades them all at once."""

    def __init__(self, anchors: tuple[Any, ...], label: str) -> None:
        self.anchors = anchors  # the call's argument objects, held so that their ids stay theirs
        self.label = label
        self.responses: list[str | None] = []
        self.closed = False
        self.grading: asyncio.Task | None = None
        self.done: asyncio.Future[list[tuple[float, dict[str, float]]]] = asyncio.get_running_loop().create_future()

    def join(self) -> int:
        self.responses.append(None)
        return len(self.responses) - 1

    @property
    def complete(self) -> bool:
        return self.closed and all(r is not None for r in self.responses)


class AgentExecutor(SingleTurnAgentExecutor):
    def __init__(self) -> None:
        super().__init__(remote_rm_url=None)  # generation only: the rewards come from the verifier, per group
        url = os.environ.get("VERIFIER_URL")
        if not url:
            raise ValueError("set VERIFIER_URL (on every node) for trainer_client.openrlhf_agent")
        self.options: dict[str, Any] = {
            "taxonomy": os.environ.get("SPECIARL_TAXONOMY") or None,
            "judge": os.environ.get("SPECIARL_JUDGE") or None,
            "scheme": os.environ.get("SPECIARL_SCHEME", "dynamic"),
            "wait_s": float(os.environ.get("SPECIARL_WAIT_S", "120")),
        }
        self.client = VerifierClient(
            url,
            api_key=_api_key(),
            retry_for=float(os.environ.get("SPECIARL_RETRY_FOR_S", "300")),
            timeout=self.options["wait_s"] + 60.0,
        )
        self._open: dict[tuple[int, ...], _Group] = {}

    def _join(self, prompt: Any, sampling_params: Any, label: Any) -> tuple[_Group, int]:
        anchors = (prompt, sampling_params, label)
        key = tuple(id(a) for a in anchors)
        group = self._open.get(key)
        if group is None:
            group = self._open[key] = _Group(anchors, label)
            # Runs after every execute of this call has joined (they all start in this loop pass).
            asyncio.get_running_loop().call_soon(self._close, key)
        return group, group.join()

    def _close(self, key: tuple[int, ...]) -> None:
        group = self._open.pop(key)
        group.closed = True
        self._grade_when_complete(group)

    def _grade_when_complete(self, group: _Group) -> None:
        # A task of its own: a member cancelled meanwhile does not cancel its siblings' rewards.
        if group.complete and group.grading is None:
            group.grading = asyncio.ensure_future(self._grade(group))

    async def execute(self, prompt, label, sampling_params, max_length: int, hf_tokenizer, llm_engine, images=None):
        group, member = self._join(prompt, sampling_params, label)
        try:
            output = await super().execute(
                prompt, label, sampling_params, max_length, hf_tokenizer, llm_engine, images=images
            )
        except BaseException as exc:
            if not group.done.done():
                group.done.set_exception(RuntimeError(f"a rollout of this prompt failed to generate: {exc!r}"))
            raise
        start, end = output["action_ranges"][-1]
        group.responses[member] = hf_tokenizer.decode(output["observation_tokens"][start:end], skip_special_tokens=True)
        self._grade_when_complete(group)
        reward, logs = (await asyncio.shield(group.done))[member]
        output.update(reward=reward, scores=reward, extra_logs=logs)
        return output

    async def _grade(self, group: _Group) -> None:
        if group.done.done():  # a sibling failed to generate
            return
        name, size = uuid.uuid4().hex, len(group.responses)
        rollouts = [
            {"group": name, "group_size": size, "rollout": i, "completion": response, **_sample(group.label)}
            for i, response in enumerate(group.responses)
        ]
        results: list[tuple[float, dict[str, float]]]
        try:
            answers = await self.client.group_rollouts(rollouts, **self.options)
            missing = [a for a in answers if a["reward"] is None]
        except Exception as exc:  # the verifier unreachable past retry_for, or refusing the call
            answers, missing = [], [{"status": "error", "error": str(exc)}]
        if missing:
            log.error(
                "speciarl: no rewards for a group of %d (%s: %s); every rollout of it gets 0.0, which a "
                "group-relative advantage ignores", len(rollouts), missing[0]["status"], missing[0]["error"],
            )  # fmt: skip
            results = [(0.0, {UNSCORED: 1.0})] * len(rollouts)
        else:
            results = [(float(a["reward"]), {UNSCORED: 0.0}) for a in answers]
        if not group.done.done():
            group.done.set_result(results)

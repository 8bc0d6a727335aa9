"""OpenRLHF's remote reward protocol (``--reward.remote_url``): ``POST /openrlhf/reward``.

OpenRLHF 0.11 (``openrlhf/utils/agent.py``, ``SingleTurnAgentExecutor._fetch_rewards_via_http``)
posts each rollout alone as it finishes: ``{"query": [decoded prompt + response], "prompts":
[prompt], "labels": [label]}``, retries any failed call 5 times a second apart, and then leaves the
rollout without a reward, which stops its experience merge (a reward per sample is required). So
this route answers 200 whenever the request itself is sound: a rollout whose group has no reward
gets 0.0 with ``extra_logs.speciarl_unscored = 1``, and so does every rollout of that group (the
groups are all or nothing, ``GroupRewards``): equal rewards give no advantage under a
group-relative estimator, where a 0.0 beside its siblings' true rewards would teach something
nobody earned. The service logs why and counts it (``verifier_unscored_rollouts``).

A group is the rollouts with the same prompt and label. A label may be an object that says more
(``SampleLabel``): the sample's identity, so that two images asked the same question with the same
answer are two groups, and the group's size, so that an evaluation split has its own.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable
from functools import partial
from typing import Annotated, TypeVar

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, model_validator

from trainer_client.extraction import extract_answer
from verifier_service.api.auth import KeyFirstRoute, caller_namespace
from verifier_service.api.deps import ServicesDep
from verifier_service.api.group_routes import ERRORS, MAX_GROUP_SIZE, check_size
from verifier_service.api.openrlhf_response import ResponseNotFound, response_of
from verifier_service.api.schemas import Name
from verifier_service.group_rewards import AmbiguousGroup, GroupClosed, Rollout, RolloutReward, Scheme
from verifier_service.store.shared_state import GroupConflict
from verifier_service.taxonomy.bounds import MAX_TERM_CHARS

log = logging.getLogger(__name__)
T = TypeVar("T")
router = APIRouter(route_class=KeyFirstRoute)

UNSCORED = "speciarl_unscored"  # the extra_logs key, as trainer_client.openrlhf_agent names it
LINGER_S = 1.0  # how long a completed group keyed by prompt and label alone is watched for a second sample
TTL_MARGIN_S = 30.0  # a group outlives its last rollout's wait by this much, then the key is free again


class SampleLabel(BaseModel):
    """A label that says more than the ground truth (``--data.label_key`` naming an object column)."""

    model_config = ConfigDict(extra="forbid")

    ground_truth: str = Field(min_length=1, max_length=MAX_TERM_CHARS)
    sample_id: str | None = Field(
        default=None, min_length=1, max_length=256, description="The sample's identity: part of its group's"
    )
    group_size: int | None = Field(
        default=None, ge=1, le=MAX_GROUP_SIZE, description="Rollouts per sample here (overrides the URL's)"
    )
    taxonomy: Name | None = Field(default=None, description="This sample's taxonomy (overrides the URL's)")


class OpenRLHFRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    query: list[str] = Field(min_length=1)
    prompts: list[str] = Field(min_length=1)
    labels: list[Annotated[str, Field(min_length=1, max_length=MAX_TERM_CHARS)] | SampleLabel] = Field(min_length=1)

    @model_validator(mode="after")
    def _same_length(self) -> OpenRLHFRequest:
        if not len(self.query) == len(self.prompts) == len(self.labels):
            raise ValueError("query, prompts and labels must have the same length")
        return self


def _rollout(query: str, prompt: str, label: str | SampleLabel, group_size: int) -> Rollout:
    sample = label if isinstance(label, SampleLabel) else SampleLabel(ground_truth=label)
    identity = "\x00".join((prompt, sample.ground_truth, sample.sample_id or "", sample.taxonomy or ""))
    try:
        answer, error = extract_answer(response_of(query, prompt)), None
    except ResponseNotFound as exc:  # not the model's doing: no grade, and so no reward for its group
        answer, error = None, f"response_not_found: {exc}"
    return Rollout(
        group="openrlhf:" + hashlib.sha256(identity.encode()).hexdigest()[:32],
        group_size=sample.group_size or group_size,
        rollout=hashlib.sha256(query.encode()).hexdigest()[:24],  # no id: claimed by content (content_members.py)
        ground_truth=sample.ground_truth,
        answer=answer,
        taxonomy=sample.taxonomy,
        error=error,
    )


@router.post("/openrlhf/reward", responses=ERRORS, response_model=None)
async def openrlhf_reward(
    body: OpenRLHFRequest,
    request: Request,
    services: ServicesDep,
    group_size: Annotated[int, Query(ge=1, le=MAX_GROUP_SIZE, description="n_samples_per_prompt")],
    taxonomy: Annotated[Name | None, Query()] = None,
    judge: Annotated[Name | None, Query()] = None,
    scheme: Annotated[Scheme, Query()] = "dynamic",
    wait_s: Annotated[float, Query(gt=0, le=170)] = 150.0,
    linger_s: Annotated[
        float | None,
        Query(
            ge=0,
            le=10,
            description="How long a completed group is watched for a sample sharing its key "
            "(default: 1 s, or 0 when every label names its sample_id: no sample can share it)",
        ),
    ] = None,
) -> dict[str, object] | Response:
    """For ``--reward.remote_url 'http://verifier/openrlhf/reward?group_size=8'`` (the module doc).

    Answers ``{"rewards", "scores", "extra_logs"}`` for one query (OpenRLHF sends one), lists for
    several. More than a group's size of rollouts under one group key (two samples with one prompt
    and label, within ``linger_s`` after the group completed or while it is kept) leaves the group
    without a reward. ``wait_s`` stays under OpenRLHF's 180 s client timeout.
    """
    check_size(len(body.query), services)
    if linger_s is None:
        named = all(isinstance(label, SampleLabel) and label.sample_id for label in body.labels)
        linger_s = 0.0 if named else LINGER_S
    rollouts = [
        _rollout(query, prompt, label, group_size)
        for query, prompt, label in zip(body.query, body.prompts, body.labels, strict=True)
    ]
    await services.taxonomies.sync()
    await services.corrections.sync()
    wait = min(wait_s, services.settings.group_wait_max_s)
    submitted = services.group_rewards.submit(
        rollouts,
        taxonomy=taxonomy,
        judge=judge,
        scheme=scheme,
        wait_s=wait,
        linger_s=linger_s,
        namespace=caller_namespace(request, services),
        audit=partial(services.audit, "openrlhf/reward", run=None, taxonomy=taxonomy),
        all_or_nothing=True,
        ttl_s=min(services.settings.group_ttl_s, wait + linger_s + TTL_MARGIN_S),
        by_content=True,
    )
    try:
        answers = await _unless_disconnected(request, submitted)
    except (GroupConflict, AmbiguousGroup) as exc:
        why = {AmbiguousGroup: "ambiguous", GroupClosed: "late"}.get(type(exc), "conflict")
        detail = f"{exc}; OpenRLHF groups by prompt and label: give each sample a sample_id in its label"
        answers = [RolloutReward(r.group, r.rollout, "unscorable", "error", None, None, 0, detail) for r in rollouts]
        return _answer(answers, services, why)
    if isinstance(answers, Response):
        return answers
    return _answer(answers, services)


async def _unless_disconnected(request: Request, work: Awaitable[T]) -> T | Response:
    """``work``'s result; cancelled once the client has gone (a reset, a proxy's timeout): its
    member is then released at once for the call OpenRLHF sends again, instead of held by a call
    nobody reads (answered 499, nginx's "client closed request", which nobody receives). The
    disconnect is awaited as Starlette's ``StreamingResponse.listen_for_disconnect`` does
    (starlette/responses.py): the body is read, so the next ASGI message is the disconnect."""

    async def disconnected() -> None:
        while (await request.receive())["type"] != "http.disconnect":
            pass

    task, gone = asyncio.ensure_future(work), asyncio.ensure_future(disconnected())
    try:
        await asyncio.wait([task, gone], return_when=asyncio.FIRST_COMPLETED)
        if not task.done():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            return Response(status_code=499)
        return task.result()
    finally:
        task.cancel()
        gone.cancel()


def _answer(answers: list[RolloutReward], services: ServicesDep, why: str | None = None) -> dict[str, object]:
    values, unscored = [], []
    for answer in answers:
        if answer.reward is None:
            reason = why or answer.status
            services.metrics.unscored_rollouts.labels(reason).inc()
            log.warning("openrlhf: no reward for a rollout of group %s (%s): %s; it gets 0.0", answer.group, reason,
                        answer.error)  # fmt: skip
        values.append(0.0 if answer.reward is None else float(answer.reward))
        unscored.append(float(answer.reward is None))
    graded = [float(a.category not in ("error", "unparseable")) for a in answers]
    if len(values) == 1:
        return {"rewards": values[0], "scores": values[0], "extra_logs": {"graded": graded[0], UNSCORED: unscored[0]}}
    return {"rewards": values, "scores": values, "extra_logs": {"graded": graded, UNSCORED: unscored}}

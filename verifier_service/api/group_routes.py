"""Rewards for rollouts that arrive one at a time: ``POST /groups/rollouts`` (any trainer; verl's
reward loop through ``trainer_client.verl_reward``; OpenRLHF's protocol is ``openrlhf_routes.py``).
The groups are assembled by ``group_rewards.py``."""

from __future__ import annotations

import re
from dataclasses import asdict
from functools import partial
from typing import Literal

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from trainer_client.extraction import extract_answer
from verifier_service.api.auth import KeyFirstRoute, caller_namespace
from verifier_service.api.deps import ServicesDep
from verifier_service.api.schemas import Name, ProblemDetail
from verifier_service.group_rewards import Mode, Rollout, Scheme
from verifier_service.store.shared_state import GroupConflict, GroupSizeMismatch
from verifier_service.taxonomy.bounds import MAX_TERM_CHARS

router = APIRouter(route_class=KeyFirstRoute)

MAX_GROUP_SIZE = 1024
MAX_WAIT_S = 600.0
MAX_COMPLETION_CHARS = 65_536
NEGATIVE_INDEX = re.compile(r"-\s*\d+")
ERRORS = {
    409: {"model": ProblemDetail, "description": "A rollout too many for its group (two samples under one group)"},
    422: {"model": ProblemDetail, "description": "Invalid request, or a group size that disagrees with the group's"},
    429: {"model": ProblemDetail, "description": "Too many of this caller's rollouts wait for their groups"},
    503: {"model": ProblemDetail, "description": "Overloaded: retry after the Retry-After header's seconds"},
}


class RolloutIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    group: str = Field(min_length=1, max_length=256, description="The group's identity (verl: the rollout's uid)")
    group_size: int = Field(ge=1, le=MAX_GROUP_SIZE, description="Rollouts in the group (verl: rollout.n)")
    rollout: str | int = Field(description="This rollout's id in its group; an index 0..size-1 where order matters")
    ground_truth: str = Field(min_length=1, max_length=MAX_TERM_CHARS)
    answer: str | None = Field(default=None, max_length=MAX_COMPLETION_CHARS, description="The answer as extracted")
    completion: str | None = Field(
        default=None,
        max_length=MAX_COMPLETION_CHARS,
        description="The full completion: its first <answer>...</answer> is read, exactly as the method reads it",
    )
    taxonomy: Name | None = Field(default=None, description="This rollout's taxonomy (overrides the request's)")

    @field_validator("rollout", mode="after")
    @classmethod
    def _canonical(cls, rollout: str | int) -> str:
        """One spelling per member: an index (0, "00", "٠": any decimal digits) is its decimal number,
        so a retry that spells it otherwise is the same member; a negative index is refused."""
        text = str(rollout).strip()
        if isinstance(rollout, int) and rollout < 0 or NEGATIVE_INDEX.fullmatch(text):
            raise ValueError(f"rollout index {text} is negative; indexes are 0..group_size-1")
        if text.isdecimal():
            return str(int(text))
        if not 1 <= len(text) <= 128:
            raise ValueError("a rollout id is 1-128 characters")
        return text

    @model_validator(mode="after")
    def _one_answer(self) -> RolloutIn:
        if (self.answer is None) == (self.completion is None):
            raise ValueError("send exactly one of answer and completion")
        return self

    def to_rollout(self) -> Rollout:
        text = extract_answer(self.completion) if self.completion is not None else (self.answer or "").strip() or None
        return Rollout(self.group, self.group_size, str(self.rollout), self.ground_truth, text, self.taxonomy)


class GroupRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rollouts: list[RolloutIn] = Field(min_length=1)
    taxonomy: Name | None = None
    judge: Name | None = None
    scheme: Scheme = Field(default="dynamic", description="dynamic: best-of-rollout; or a static baseline")
    mode: Mode = Field(default="all", description="all: every best rollout gets 1; single: only the first (by index)")
    wait_s: float = Field(default=120.0, gt=0, le=MAX_WAIT_S, description="How long to wait for the group")
    run: Name | None = Field(
        default=None, description="The training run: groups are kept apart per run, within the caller's API key"
    )

    @model_validator(mode="after")
    def _consistent(self) -> GroupRequest:
        if self.mode == "single" and any(not str(r.rollout).isdecimal() for r in self.rollouts):
            raise ValueError("mode 'single' rewards the first best rollout: rollout ids must be indexes")
        for r in self.rollouts:
            if str(r.rollout).isdigit() and int(r.rollout) >= r.group_size:
                raise ValueError(f"rollout index {r.rollout} is outside a group of {r.group_size}")
        return self


class RolloutRewardOut(BaseModel):
    group: str
    rollout: str
    status: Literal["ok", "incomplete", "unscorable", "ambiguous"]
    category: str = Field(description="One of the six, 'unparseable' (no usable answer: -1) or 'error' (not graded)")
    reward: float | None = Field(description="None: no reward is known; never a made-up one")
    group_best: str | None
    arrived: int
    error: str | None = None


class GroupResponse(BaseModel):
    rewards: list[RolloutRewardOut]


def check_size(request_items: int, services: ServicesDep) -> None:
    limit = services.settings.max_items_per_request
    if request_items > limit:
        raise HTTPException(413, f"{request_items} rollouts in one request; the limit is {limit}")


@router.post("/groups/rollouts", response_model=GroupResponse, responses=ERRORS)
async def group_rollouts(body: GroupRequest, request: Request, services: ServicesDep) -> GroupResponse:
    """Grade rollouts as they arrive and answer, for each, its best-of-rollout reward once its whole
    group has arrived (from any call, process or replica), or ``incomplete`` at ``wait_s``."""
    check_size(len(body.rollouts), services)
    await services.taxonomies.sync()
    await services.corrections.sync()
    try:  # grading holds an admission slot, waiting only the caller's waiting bound (GroupRewards)
        rewards = await services.group_rewards.submit(
            [r.to_rollout() for r in body.rollouts],
            taxonomy=body.taxonomy,
            judge=body.judge,
            scheme=body.scheme,
            mode=body.mode,
            wait_s=min(body.wait_s, services.settings.group_wait_max_s),
            namespace=caller_namespace(request, services) + (f"/{body.run}" if body.run else ""),
            audit=partial(services.audit, "groups/rollouts", run=body.run, taxonomy=body.taxonomy),
        )
    except GroupSizeMismatch as exc:
        raise HTTPException(422, str(exc)) from None
    except GroupConflict as exc:
        raise HTTPException(409, str(exc)) from None
    return GroupResponse(rewards=[RolloutRewardOut(**asdict(r)) for r in rewards])

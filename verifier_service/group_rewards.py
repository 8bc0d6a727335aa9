"""Best-of-rollout rewards for trainers that score one rollout at a time: the service assembles
each GRPO group from rollouts arriving alone, in any order, from any process or replica.

A rollout is graded as soon as it arrives (so judging overlaps the generation of its siblings),
its category is kept in the shared state under its group (``SharedState.add_to_group``: Redis
when the replicas share Redis, else the embedded file), and the call waits until the group
holds ``group_size`` rollouts; then every waiting call answers with its reward, computed by the
method's own rules (``trainer_client.rewards``: the same code the TRL adapter uses). A group
that is not complete by the deadline answers ``incomplete``, without a reward: never a made-up
one. A rollout sent again is idempotent (the first grade is kept); sent again with other content
(another ground truth, answer or taxonomy) it is refused, naming both; a size that disagrees with
the group's first rollout, or a rollout too many, is refused.

Groups are the caller's: every group key is kept under the caller's namespace (its API key's
digest, and the run it names), so no other key holder can read a trainer's group or send
rollouts into it and steer its rewards.

Waiting costs one read per ``poll_s`` per process, however many groups and calls wait: every
group this process waits for is read in the same batched read (``SharedState.groups``).

A caller that cannot be told "no reward" for one rollout alone (OpenRLHF's remote URL: it then
has to give that rollout some value, and a value beside its siblings' true rewards is an advantage
nobody earned) asks for all or nothing (``all_or_nothing=True``): a group is rewarded only when
every rollout of it has a reward, and a group still incomplete at the deadline is *closed*: its
empty places are filled with markers in the shared state, so it can never complete later, and
every rollout of it, the late ones included, learns the same outcome (``incomplete``).
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

import orjson

from trainer_client.protocol import ERROR, UNPARSEABLE
from trainer_client.ranks import TRAINING_RANK
from trainer_client.rewards import STATIC_SCHEMES, best_of_rollout_rewards, static_rewards
from verifier_service.admission import Admission, WaitingBound
from verifier_service.content_members import ContentMembers, Lease
from verifier_service.grading import GradeInput, Grader, GradingResult
from verifier_service.store.shared_state import GroupConflict, SharedState

Scheme = Literal["dynamic", "reward3", "scala1", "scala2", "scala3"]
Audit = Callable[[GradingResult, list[GradeInput]], Awaitable[object]]
Mode = Literal["all", "single"]
Status = Literal["ok", "incomplete", "unscorable", "ambiguous"]


class ContentMismatch(GroupConflict):
    """A rollout id sent again with other content than the first time."""


class GroupClosed(GroupConflict):
    """A rollout for a group that was closed at its deadline (all or nothing) before it arrived."""


class AmbiguousGroup(ValueError):
    """More rollouts than the group's size arrived under one group key (two samples would be merged)."""


@dataclass(frozen=True)
class Rollout:
    group: str
    group_size: int
    rollout: str  # its id within the group; an index ("0", "1", ...) where the order matters
    ground_truth: str
    answer: str | None  # None: no usable answer (unparseable, -1 without a judge call)
    taxonomy: str | None = None
    error: str | None = None  # why it cannot be graded at all (its group then has no reward either)


@dataclass(frozen=True)
class RolloutReward:
    group: str
    rollout: str
    status: Status
    category: str  # one of the six, "unparseable", or "error" (not graded)
    reward: float | None  # None: no reward is known (incomplete, unscorable, not graded)
    group_best: str | None  # the best category the group reached (dynamic scheme)
    arrived: int  # rollouts of the group received when it answered
    error: str | None = None


def _best(categories: Sequence[str]) -> str | None:
    graded = [c for c in categories if c in TRAINING_RANK]
    return min(graded, key=TRAINING_RANK.__getitem__) if graded else None


CLOSED = "\x00closed:"  # the name of a place a closed group filled (no rollout id holds a NUL)


def _order(member: str) -> tuple[int, int | str]:
    return (0, int(member)) if member.isdigit() else (1, member)


class GroupRewards:
    def __init__(
        self,
        state: SharedState,
        grader: Grader,
        *,
        ttl_s: float = 600.0,
        poll_s: float = 0.05,
        linger_s: float = 0.0,
        admission: Admission | None = None,
        waiting: WaitingBound | None = None,
        open_max: int = 1 << 62,
        lease_s: float = 3.0,
    ) -> None:
        self._state = state
        self._members = ContentMembers(state, lease_s)  # for rollouts without ids
        self.open_max = open_max  # groups one caller may hold open in the store (every replica together)
        self._grader = grader
        # Grading holds an admission slot; waiting for the group holds only the caller's waiting bound.
        self._admission = admission or Admission(1 << 62)
        self._waiting = waiting or WaitingBound(1 << 62)
        self.ttl_s = ttl_s
        self.poll_s = poll_s
        self.linger_s = linger_s  # after completion, how long more arrivals would make a group ambiguous
        # One poller per process reads every watched group at once, then wakes the waiters.
        self._watching: dict[str, int] = {}  # group -> calls of this process waiting on it
        self._seen: dict[str, tuple[int, dict[str, bytes]]] = {}
        self._rounds = 0  # polls started
        self._seen_round = 0  # the poll whose results ``_seen`` holds
        self._failure: Exception | None = None  # what the last poll raised, for its waiters
        self._polled = asyncio.Event()
        self._poller: asyncio.Task[None] | None = None

    async def aclose(self) -> None:
        await self._members.aclose()
        if self._poller is not None:
            self._poller.cancel()
            await asyncio.gather(self._poller, return_exceptions=True)

    async def submit(
        self,
        rollouts: Sequence[Rollout],
        *,
        taxonomy: str | None = None,
        judge: str | None = None,
        scheme: Scheme = "dynamic",
        mode: Mode = "all",
        wait_s: float = 60.0,
        linger_s: float | None = None,
        namespace: str = "",
        audit: Audit | None = None,
        all_or_nothing: bool = False,
        ttl_s: float | None = None,
        by_content: bool = False,
    ) -> list[RolloutReward]:
        """Grade the rollouts, keep them under their groups (in the caller's ``namespace``), and answer
        once their groups are complete (or at ``wait_s``). Raises ``GroupConflict`` for a rollout its
        group refuses, before waiting. ``audit`` records what was graded, as ``/grade`` does (the
        audit log feeds the review queue). ``all_or_nothing``: every rollout of a group has a
        reward or none has, and a group still incomplete at the deadline is closed (module doc).
        ``ttl_s``: how long these groups outlive their last change (else the service's).
        ``by_content``: the rollouts carry no ids (``Rollout.rollout`` is a digest of the content):
        each is claimed a member (``content_members.py``), so a call sent again is the same one."""
        prefix = f"{namespace}\x00"
        inside = [replace(r, group=prefix + r.group) for r in rollouts]
        call = _Call(
            wait_s, self.linger_s if linger_s is None else linger_s, all_or_nothing, ttl_s or self.ttl_s, by_content
        )
        answers = await self._submit(inside, taxonomy, judge, scheme, mode, call, namespace, audit)
        return [replace(a, group=a.group.removeprefix(prefix)) for a in answers]

    async def _submit(
        self,
        rollouts: Sequence[Rollout],
        taxonomy: str | None,
        judge: str | None,
        scheme: Scheme,
        mode: Mode,
        call: _Call,
        namespace: str,
        audit: Audit | None,
    ) -> list[RolloutReward]:
        deadline = time.monotonic() + call.wait_s
        with self._admission.admit(len(rollouts)):
            graded = await self._grade(rollouts, taxonomy, judge, audit)
        if scheme != "dynamic":  # a static reward needs no group: nothing is kept, nothing can clash
            rewards = static_rewards([category for category, _ in graded], scheme)
            return [
                RolloutReward(
                    r.group, r.rollout, "ok" if reward is not None else "unscorable", category, reward, None, 0, error
                )
                for r, (category, error), reward in zip(rollouts, graded, rewards, strict=True)
            ]
        leases: list[Lease] = []
        try:
            answers = await self._keep_and_wait(rollouts, graded, mode, call, namespace, deadline, leases)
        except BaseException:
            self._members.release(leases)
            raise
        await self._members.answered(leases)
        return answers

    async def _keep_and_wait(
        self,
        rollouts: Sequence[Rollout],
        graded: list[tuple[str, str | None]],
        mode: Mode,
        call: _Call,
        namespace: str,
        deadline: float,
        leases: list[Lease],
    ) -> list[RolloutReward]:
        rollouts = await self._keep(rollouts, graded, namespace, call, deadline, leases)
        groups = {r.group: r.group_size for r in rollouts}
        with self._waiting.hold(namespace, len(rollouts)):
            waited = await asyncio.gather(*(self._wait(g, groups[g], deadline) for g in groups))
        complete = dict(zip(groups, waited, strict=True))
        if call.all_or_nothing:
            for group, (_, members) in complete.items():
                if len(members) < groups[group]:
                    complete[group] = await self._close(group, groups[group], call.ttl_s)
        linger = call.linger_s
        if linger > 0:
            await asyncio.sleep(linger)
            for group in groups:
                if (await self._state.group(_ambiguity_key(group)))[0]:
                    raise AmbiguousGroup(
                        f"more than {groups[group]} rollouts arrived for group {_shown(group)!r}: two samples share it"
                    )
        return [self._reward(r, complete[r.group], mode, call.all_or_nothing) for r in rollouts]

    async def _grade(
        self, rollouts: Sequence[Rollout], taxonomy: str | None, judge: str | None, audit: Audit | None
    ) -> list[tuple[str, str | None]]:
        graded: list[tuple[str, str | None]] = [(ERROR, r.error) if r.error else (UNPARSEABLE, None) for r in rollouts]
        todo = [i for i, r in enumerate(rollouts) if r.answer is not None and not r.error]
        if todo:
            inputs = [
                GradeInput(rollouts[i].ground_truth, rollouts[i].answer or "", rollouts[i].taxonomy) for i in todo
            ]
            result = await self._grader.grade(inputs, taxonomy=taxonomy, judge=judge)
            if audit is not None:
                await audit(result, inputs)
            for i, grade in zip(todo, result.grades, strict=True):
                ok = grade.category is not None
                graded[i] = (grade.category.value, None) if ok else (ERROR, f"{grade.status.value}: {grade.error}")  # type: ignore[union-attr]
        return graded

    async def _keep(
        self,
        rollouts: Sequence[Rollout],
        graded: list[tuple[str, str | None]],
        namespace: str,
        call: _Call,
        deadline: float,
        leases: list[Lease],
    ) -> list[Rollout]:
        """Keep each rollout's grade under its group (a resent rollout keeps its first grade); the
        rollouts as kept (one claimed by content: under the member it holds, its lease in ``leases``)."""
        kept = []
        bound = (namespace, self.open_max)
        for rollout, (category, error) in zip(rollouts, graded, strict=True):
            content = _content(rollout)
            value = orjson.dumps({"category": category, "error": error, "content": content})
            group, size, ttl_s = rollout.group, rollout.group_size, call.ttl_s
            try:
                if call.by_content:
                    lease, stored = await self._members.claim(group, size, rollout.rollout, value, ttl_s, bound,
                                                              deadline)  # fmt: skip
                    leases.append(lease)
                    rollout = replace(rollout, rollout=lease[1])
                else:
                    stored = await self._state.add_to_group(group, size, rollout.rollout, value, ttl_s, bound=bound)
            except GroupConflict as exc:
                _, members = await self._state.group(group)
                closed = sum(m.startswith(CLOSED) for m in members)
                if closed:  # late, not one too many: nothing ambiguous about the group
                    raise GroupClosed(
                        f"group {_shown(group)!r} was closed at its deadline with {len(members) - closed} of "
                        f"{size} rollouts, before this one arrived"
                    ) from None
                # the group's other callers learn of it too, when they look after completing
                await self._state.add_to_group(_ambiguity_key(rollout.group), 1, "seen", b"1", ttl_s)
                raise type(exc)(str(exc).replace(rollout.group, _shown(rollout.group))) from None
            kept.append(rollout)
            data = orjson.loads(stored)
            if data.get("content", content) != content:
                raise ContentMismatch(
                    f"rollout {rollout.rollout} of group {_shown(rollout.group)!r} was sent before with other "
                    f"content: first {data['content']}, now {content}; a retry must resend the same rollout"
                )
        return kept

    async def _close(self, group: str, size: int, ttl_s: float) -> tuple[int, dict[str, bytes]]:
        """Fill the group's empty places (each caller the same names, so two closing at once fill
        each place once); a rollout that arrives meanwhile takes its place first and the filling
        stops there. The group as it then stands: complete, with or without closed places."""
        filler = orjson.dumps({"category": ERROR, "error": "closed", "content": "closed"})
        for place in range(size):
            try:
                await self._state.add_to_group(group, size, f"{CLOSED}{place}", filler, ttl_s)
            except GroupConflict:
                break
        return await self._state.group(group)

    async def _wait(self, group: str, size: int, deadline: float) -> tuple[int, dict[str, bytes]]:
        """The group once complete, or as it stands at the deadline (as read by a poll that started
        after this call began waiting: its own rollout is in it)."""
        self._watching[group] = self._watching.get(group, 0) + 1
        since = self._rounds
        try:
            while True:
                polled = self._polled
                if self._poller is None or self._poller.done():
                    self._poller = asyncio.create_task(self._poll())
                fresh = self._seen_round > since
                timeout = max(0.0, deadline - time.monotonic()) if fresh else None
                try:
                    await asyncio.wait_for(polled.wait(), timeout)
                except TimeoutError:
                    pass
                if self._failure is not None and self._seen_round > since:
                    raise self._failure
                found = self._seen.get(group, (0, {}))
                if self._seen_round > since and (len(found[1]) >= size or time.monotonic() >= deadline):
                    return found
        finally:
            self._watching[group] -= 1
            if not self._watching[group]:
                del self._watching[group]
                self._seen.pop(group, None)

    async def _poll(self) -> None:
        """Read every watched group in one read per ``poll_s`` while any call waits."""
        while self._watching:
            self._rounds += 1
            started = self._rounds
            try:
                found = await self._state.groups(list(self._watching))
            except Exception as exc:  # the store unreachable: every waiter of this round learns it
                self._failure = exc
            else:
                self._failure = None
                self._seen.update((g, v) for g, v in found.items() if g in self._watching)
            self._seen_round = started
            polled, self._polled = self._polled, asyncio.Event()
            polled.set()
            await asyncio.sleep(self.poll_s)

    @staticmethod
    def _reward(
        rollout: Rollout, group: tuple[int, dict[str, bytes]], mode: Mode, all_or_nothing: bool
    ) -> RolloutReward:
        _, members = group
        if rollout.rollout not in members:  # expired (group_ttl_s) while it waited: nothing is known
            why = "the group expired (group_ttl_s) before it was complete"
            return RolloutReward(rollout.group, rollout.rollout, "incomplete", ERROR, None, None, 0, why)
        ordered = sorted(members, key=_order)
        kept = [orjson.loads(members[m]) for m in ordered]
        categories = [k["category"] for k in kept]
        errors = {m: k["error"] for m, k in zip(ordered, kept, strict=True)}
        own = categories[ordered.index(rollout.rollout)]
        best = _best(categories)
        common = {"group": rollout.group, "rollout": rollout.rollout, "category": own, "arrived": len(members)}
        closed = sum(m.startswith(CLOSED) for m in members)
        if closed:  # every rollout of a closed group, before or after closing, learns just this
            arrived = len(members) - closed
            missing = f"{arrived} of {rollout.group_size} rollouts arrived before the group's deadline (closed)"
            common["arrived"] = arrived
            return RolloutReward(**common, status="incomplete", reward=None, group_best=best, error=missing)
        if len(members) < rollout.group_size:
            missing = f"{len(members)} of {rollout.group_size} rollouts arrived before the deadline"
            return RolloutReward(**common, status="incomplete", reward=None, group_best=best, error=missing)
        rewards = best_of_rollout_rewards(categories, [rollout.group] * len(categories), mode)
        reward = rewards[ordered.index(rollout.rollout)]
        if all_or_nothing and reward is not None and None in rewards:
            reward = None  # a sibling has none: so has every rollout of the group
        if reward is None:
            why = errors[
                rollout.rollout
            ] or "a rollout of the group was not graded, and it might have been the best: " + next(
                e for e in errors.values() if e
            )
            return RolloutReward(**common, status="unscorable", reward=None, group_best=best, error=why)
        return RolloutReward(**common, status="ok", reward=reward, group_best=best)


@dataclass(frozen=True)
class _Call:
    wait_s: float
    linger_s: float
    all_or_nothing: bool
    ttl_s: float
    by_content: bool


def _content(rollout: Rollout) -> str:
    """What identifies a rollout's content, short enough to quote in an error."""
    answer = "(no answer)" if rollout.answer is None else repr(rollout.answer[:60])
    whole = f"{rollout.ground_truth}\x00{rollout.answer}\x00{rollout.taxonomy}".encode()
    digest = hashlib.sha256(whole).hexdigest()[:12]
    taxonomy = f" ({rollout.taxonomy})" if rollout.taxonomy else ""
    return f"{answer} for {rollout.ground_truth[:60]!r}{taxonomy} [{digest}]"


def _shown(group: str) -> str:
    """A group's key as its caller named it (without the namespace)."""
    return group.split("\x00", 1)[-1]


def _ambiguity_key(group: str) -> str:
    return f"{group}\x00ambiguous"


assert set(STATIC_SCHEMES) | {"dynamic"} == set(Scheme.__args__)  # type: ignore[attr-defined]

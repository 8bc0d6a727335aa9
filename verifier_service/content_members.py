"""Group members for rollouts that carry no id (OpenRLHF's remote URL), claimed by content and held
by leases, so that a call sent again is the same member, before and after an error or a crash.

A call claims ``BASE#k`` (``BASE``: a digest of the rollout's content) in the shared state
(``SharedState.claim_member``) and renews its lease every ``lease_s / 6`` while it waits (one
batched write per process). It ends one of two ways: answered (the lease is held for the group's
life: a later call of that content is another rollout, or, in a complete group, a lost answer asked
again) or failed (released: the call sent again takes the member over at once). A call whose
replica died stops renewing, and the call sent again takes the member over when the lease ends.

When every member of its content is held, a call cannot tell a live rollout of equal content (a
twin: its own member) from a dead call's lease (its own member, once the lease ends): it looks
again every half renewal interval. Every holder renewed: a twin, so a new member; a holder that
missed two renewals: it waits for that lease to end and takes the member over. A twin costs about
one renewal interval (``lease_s / 6``, 0.5 s by default) of waiting.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid

from verifier_service.store.shared_state import OpenBound, SharedState

log = logging.getLogger(__name__)

Lease = tuple[str, str, str]  # (group, member, attempt)


class ContentMembers:
    def __init__(self, state: SharedState, lease_s: float = 3.0) -> None:
        self._state = state
        self.lease_s = lease_s
        self.renew_s = lease_s / 6  # a lease outlives five missed renewals (a busy event loop)
        self._held: dict[tuple[str, str], str] = {}  # (group, member) -> attempt, for this process's calls
        self._writing = asyncio.Lock()  # a renewal never lands after the same lease's last word
        self._renewer: asyncio.Task[None] | None = None
        self._releases: set[asyncio.Task[None]] = set()

    async def claim(
        self, group: str, size: int, base: str, value: bytes, ttl_s: float, bound: OpenBound, deadline: float
    ) -> tuple[Lease, bytes]:
        """The member this call now holds (its lease) and the value kept for it."""
        attempt, take_held = uuid.uuid4().hex, False
        first: dict[str, int] | None = None  # the held members' lease ends at the first look
        while True:
            claimed = await self._state.claim_member(
                group, size, base, attempt, value, ttl_s, self.lease_s, bound=bound, take_held=take_held
            )
            if claimed.member is not None:
                self._held[(group, claimed.member)] = attempt
                if self._renewer is None or self._renewer.done():
                    self._renewer = asyncio.create_task(self._renew())
                return (group, claimed.member, attempt), claimed.value or value
            now = time.monotonic()
            if first is None:
                first, looked_at = dict(claimed.held), now
            stale = [end for member, end in claimed.held.items() if member in first and end <= first[member]]
            if not stale or now >= deadline:  # every holder renewed (or took its member since): a twin
                take_held = True
                continue
            if now - looked_at < 2 * self.renew_s:
                delay_s = self.renew_s / 2  # look again: a live holder renews within renew_s
            else:  # a holder missed two renewals: wait for its lease to end, then take its member over
                delay_s = (min(stale) - claimed.now_ms) / 1000 + 0.01
            await asyncio.sleep(max(0.01, min(delay_s, deadline - now)))

    async def answered(self, leases: list[Lease]) -> None:
        """The calls were answered: their members stay theirs for the group's life."""
        if not leases:
            return
        try:
            await self._end(leases, None)
        except Exception as exc:  # the answer stands; the leases end on their own within lease_s
            log.warning("could not mark %d group leases answered: %s", len(leases), exc)

    def release(self, leases: list[Lease]) -> None:
        """The calls failed (or were cancelled): their members are free for a call sent again, now
        (in the background: a cancelled call cannot wait for it)."""
        if not leases:
            return
        task = asyncio.ensure_future(self._release(leases))
        self._releases.add(task)
        task.add_done_callback(self._releases.discard)

    async def _release(self, leases: list[Lease]) -> None:
        try:
            await self._end(leases, 0)
        except Exception as exc:  # the store unreachable: the leases end on their own within lease_s
            log.warning("could not release %d group leases: %s", len(leases), exc)

    async def _end(self, leases: list[Lease], lease_s: float | None) -> None:
        for group, member, _ in leases:
            self._held.pop((group, member), None)
        async with self._writing:
            await self._state.set_leases(leases, lease_s)

    async def _renew(self) -> None:
        while self._held:
            await asyncio.sleep(self.renew_s)
            async with self._writing:
                leases = [(group, member, attempt) for (group, member), attempt in self._held.items()]
                try:
                    await self._state.set_leases(leases, self.lease_s)
                except Exception as exc:  # the store unreachable: the leases may end; claims wait as well
                    log.warning("could not renew %d group leases: %s", len(leases), exc)

    async def aclose(self) -> None:
        for task in (self._renewer, *self._releases):
            if task is not None:
                task.cancel()
                with contextlib.suppress(BaseException):
                    await task

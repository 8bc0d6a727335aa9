"""The corrections people make, shared by every replica: an append-only log in the shared state
(``SharedState.append``: Redis when the replicas share it, else the embedded file; a change is
committed before it is acknowledged), replayed into the book the grader consults
(``grading/corrections.py``). Each replica reads the log's new entries at most every
``state_sync_s`` and before every grading request, so a correction applies everywhere within it.

A store that comes back with less than it had (Redis restarted without persistence, a failover to
a lagging copy) is noticed at the next sync: the log's generation changed, or it holds fewer
entries than this replica saw. The replica then puts back, at their own numbers, the entries the
store lost (any replica may; ``SharedState.restore`` places each one only where it was), so no
number is ever given to a second correction. Meanwhile a write is refused (``LogRewound``, 503).
If the store already holds other entries at those numbers (written after the loss by a replica
that had seen none of them), the replica cannot put them back: it takes the store's log as it is
and reports the divergence (log, ``verifier_shared_state_divergences_total``)."""

from __future__ import annotations

import dataclasses
import logging
import time

from verifier_service.grading.corrections import Change, CorrectionBook
from verifier_service.store.shared_state import LogRewound, SharedState, Synced

LOG = "corrections"
log = logging.getLogger(__name__)


class CorrectionsLog:
    def __init__(self, state: SharedState, *, sync_interval_s: float = 1.0) -> None:
        self._state = state
        self._changes: list[Change] = []
        self._entries: list[bytes] = []  # as stored: what is put back after a loss
        self._generation = ""
        self._book = CorrectionBook()
        self.rewinds = 0  # losses noticed, healed or not
        self.divergences = 0  # losses that could not be healed (other entries at the lost numbers)
        self.synced = Synced(self._refresh, sync_interval_s, name="corrections")

    @property
    def book(self) -> CorrectionBook:
        return self._book

    @property
    def changes(self) -> list[Change]:
        return list(self._changes)

    async def sync(self, *, force: bool = False) -> None:
        await self.synced.ensure(force=force)

    async def _refresh(self) -> None:
        generation, length = await self._state.log_head(LOG)
        seen = len(self._entries)
        if seen and (length < seen or (generation and generation != self._generation)):
            await self._heal(generation, length)
            return
        if generation:
            self._generation = generation
        if length > seen:
            self._take(await self._state.entries(LOG, after=seen))

    def _take(self, new: list[tuple[int, bytes]]) -> None:
        if new:
            changes = [Change.parse(number, entry) for number, entry in new]
            self._entries.extend(entry for _, entry in new)  # appended in place: no copy of the history
            self._changes.extend(changes)
            self._book = self._book.extended(changes)

    async def _heal(self, generation: str, length: int) -> None:
        self.rewinds += 1
        held = [entry for _, entry in await self._state.entries(LOG, after=0)]
        seen = len(self._entries)
        if held == self._entries[: len(held)] and (not generation or generation == self._generation):
            for number in range(len(held) + 1, seen + 1):
                if not await self._state.restore(LOG, number, self._entries[number - 1], self._generation):
                    break  # someone wrote meanwhile: the next sync looks again
            log.error(
                "corrections: the store held %d of the %d entries this replica saw (generation %s, now %s): "
                "put back entries %d to %d at their own numbers", length, seen, self._generation,
                generation or "(none)", len(held) + 1, seen,
            )  # fmt: skip
            return
        if len(held) >= seen and held[:seen] == self._entries:
            self._generation = generation  # the same entries under a new generation id: nothing was lost
            self._take([(n, e) for n, e in enumerate(held[seen:], seen + 1)])
            return
        self.divergences += 1
        lost = [n for n in range(1, seen + 1) if n > len(held) or held[n - 1] != self._entries[n - 1]]
        log.error(
            "corrections: the store's log (generation %s, %d entries) has other entries where this replica's "
            "were; taking the store's log as it is. Lost here: changes %s", generation or "(none)", len(held), lost,
        )  # fmt: skip
        self._entries, self._changes, self._generation, self._book = [], [], generation, CorrectionBook()
        self._take(list(enumerate(held, 1)))

    async def record(self, **fields: object) -> Change:
        """Append a change (``Change``'s fields but its number); once this returns it is durable.
        ``LogRewound`` while the store holds less than this replica saw (put back at the next sync)."""
        return (await self.record_many([fields]))[0]

    async def record_many(self, many: list[dict[str, object]]) -> list[Change]:
        """Append changes in order, then read the log once: an import costs one sync, not one per line."""
        recorded = []
        for fields in many:
            change = Change(number=0, at=time.time(), **fields)  # type: ignore[arg-type]
            try:
                number = await self._state.append(LOG, change.encode(), expect=(self._generation, len(self._entries)))
            except LogRewound:
                await self.sync(force=True)  # heal now; the caller is told to retry
                raise
            recorded.append(dataclasses.replace(change, number=number))
        await self.sync(force=True)
        return recorded

"""The corrections people make, shared by every replica: an append-only log in the shared state
(``SharedState.append``: Redis when the replicas share it, else the embedded file; a change is
committed, and held by the replica that wrote it, before it is acknowledged), replayed into the
book the grader consults (``grading/corrections.py``). Each replica reads the log's new entries
once per ``state_sync_s`` in the background and at most that often before a grading request, so
a correction applies everywhere within it.

A store that comes back with less than it had (Redis restarted without persistence, a failover to
a lagging copy) is noticed at the next sync: the log's generation changed, or it holds fewer
entries than this replica saw. The replica then puts back, at their own numbers, the entries the
store lost (any replica may; ``SharedState.restore`` places each one only where it was), so no
number is ever given to a second correction. Meanwhile, and for ``hold_s`` after the last entry
put back (time for every replica to put back what it alone saw), a write is refused
(``LogRewound``, 503).
If the store already holds other entries at those numbers (written after the loss by a replica
that had seen none of them), the replica cannot put them back: it takes the store's log as it is
and reports the divergence (log, ``verifier_shared_state_divergences_total``)."""

from __future__ import annotations

import dataclasses
import logging
import time

from verifier_service.grading.corrections import Change, CorrectionBook
from verifier_service.store.shared_state import LogRewound, SharedState, Synced, WrittenUnconfirmed, new_generation

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
        # Appends wait this long after an entry is put back: every live replica syncs within an
        # interval (``Synced.keep``), and one that saw more than the first to heal puts its part back.
        self.hold_s = 2 * sync_interval_s + 1.0

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
        if seen and (length < seen or (generation and self._generation and generation != self._generation)):
            await self._heal(generation, length)
            return
        if generation:
            self._generation = generation
        if length > seen:
            self._take(await self._state.entries(LOG, after=seen))

    def _take(self, new: list[tuple[int, bytes]]) -> None:
        """Take the entries that extend what this replica holds without a gap (a writer's own entry
        and a sync's read may overlap; either may come first)."""
        new = [(n, e) for n, e in new if n > len(self._entries)]
        if not new or new[0][0] != len(self._entries) + 1:
            return
        changes = [Change.parse(number, entry) for number, entry in new]
        self._entries.extend(entry for _, entry in new)  # appended in place: no copy of the history
        self._changes.extend(changes)
        self._book = self._book.extended(changes)

    async def _heal(self, generation: str, length: int) -> None:
        self.rewinds += 1
        held = [entry for _, entry in await self._state.entries(LOG, after=0)]
        seen = len(self._entries)
        if held == self._entries[: len(held)] and (not generation or generation == self._generation):
            self._generation = self._generation or new_generation()  # its only entries were its own
            put_back = len(held)
            for number in range(len(held) + 1, seen + 1):
                entry = self._entries[number - 1]
                if not await self._state.restore(LOG, number, entry, self._generation, hold_s=self.hold_s):
                    break  # someone wrote meanwhile: the next sync looks again
                put_back = number
            log.error(
                "corrections: the store held %d of the %d entries this replica saw (generation %s, now %s): "
                "%s", length, seen, self._generation, generation or "(none)",
                f"entries {len(held) + 1} to {put_back} are back at their own numbers" if put_back == seen
                else f"entries from {put_back + 1} on are other entries now: the next sync compares",
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
            entry = change.encode()
            try:
                number = await self._state.append(LOG, entry, expect=(self._generation, len(self._entries)))
            except LogRewound:
                await self.sync(force=True)  # heal now; the caller is told to retry
                raise
            self._take([(number, entry)])  # the store held exactly what this replica saw, then this entry
            recorded.append(dataclasses.replace(change, number=number))
        await self.sync(force=True)
        if recorded and len(self._entries) < recorded[-1].number:
            # Not acknowledged unless this replica holds it: a store that loses it later (restarted
            # empty) gets it back from here, instead of giving its number to another correction.
            raise WrittenUnconfirmed(
                f"correction {recorded[-1].number} was written but could not be read back "
                f"({self.synced.unavailable or 'entries before it are missing'}); sending it again is safe: "
                "the later entry for a pair is the one that applies"
            )
        return recorded

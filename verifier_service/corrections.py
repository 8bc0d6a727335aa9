"""The corrections people make, shared by every replica: an append-only log in the shared state
(``SharedState.append``: Redis when the replicas share it, else the embedded file; a change is
committed before it is acknowledged), replayed into the book the grader consults
(``grading/corrections.py``). Each replica reads the log's new entries at most every
``state_sync_s`` and before every grading request, so a correction applies everywhere within it."""

from __future__ import annotations

import dataclasses
import time

from verifier_service.grading.corrections import Change, CorrectionBook, replay
from verifier_service.store.shared_state import SharedState, Synced

LOG = "corrections"


class CorrectionsLog:
    def __init__(self, state: SharedState, *, sync_interval_s: float = 1.0) -> None:
        self._state = state
        self._changes: list[Change] = []
        self._book = CorrectionBook()
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
        seen = self._changes[-1].number if self._changes else 0
        new = await self._state.entries(LOG, after=seen)
        if new:
            self._changes = self._changes + [Change.parse(number, entry) for number, entry in new]
            self._book = replay(self._changes)

    async def record(self, **fields: object) -> Change:
        """Append a change (``Change``'s fields but its number); once this returns it is durable."""
        change = Change(number=0, at=time.time(), **fields)  # type: ignore[arg-type]
        number = await self._state.append(LOG, change.encode())
        await self.sync(force=True)
        return dataclasses.replace(change, number=number)

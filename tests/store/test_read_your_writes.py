"""A correction is acknowledged only once the replica that wrote it holds it (the CI failure of
2026-12-05: a correction written just before Redis stopped was acknowledged, never read back by any
replica, lost with the store, and its number was given to a later correction). Here the store's
reads fail right after a write, as they do when it goes away between the append and the sync."""

import asyncio

import pytest

from verifier_service.corrections import CorrectionsLog
from verifier_service.store.shared_state import LogRewound, SQLiteState, StoreUnavailable, WrittenUnconfirmed


class ReadsFailAfterAWrite(SQLiteState):
    """The real embedded store, whose reads fail once ``fail_reads`` is set (by the test, or by a
    write when ``fail_after_write``)."""

    fail_reads = False
    fail_after_write = False

    async def append(self, log, entry, *, expect=None):
        number = await super().append(log, entry, expect=expect)
        self.fail_reads = self.fail_reads or self.fail_after_write
        return number

    async def log_head(self, log):
        if self.fail_reads:
            raise StoreUnavailable("gone")
        return await super().log_head(log)

    async def entries(self, log, after=0):
        if self.fail_reads:
            raise StoreUnavailable("gone")
        return await super().entries(log, after)


def fields(prediction):
    return {"action": "set", "ground_truth": "dog", "prediction": prediction, "taxonomy": None,
            "category": "generic", "before": None, "who": "test"}  # fmt: skip


async def test_a_write_the_replica_cannot_read_back_is_held_from_its_own_copy_and_put_back(tmp_path):
    state = ReadsFailAfterAWrite(tmp_path / "state.db")
    mine = CorrectionsLog(state, sync_interval_s=0)
    await mine.record(**fields("wolf"))
    state.fail_after_write = True
    second = await mine.record(**fields("fox"))  # nobody else wrote: the replica holds it without a read
    assert second.number == 2 and [c.number for c in mine.changes] == [1, 2]
    state.fail_reads = state.fail_after_write = False
    state._conn.execute("DELETE FROM logs")  # the store restarted empty
    state._conn.execute("DELETE FROM log_generations")
    mine.hold_s = 0.3
    await mine.sync(force=True)
    assert [n for n, _ in await state.entries("corrections")] == [1, 2]  # put back, not given away
    with pytest.raises(LogRewound, match="putting them back: appends resume in 0.[0-3] s"):
        await mine.record(**fields("cat"))  # other replicas' turn to put back what they saw
    await asyncio.sleep(0.3)
    assert (await mine.record(**fields("cat"))).number == 3
    await state.aclose()


async def test_a_write_after_others_that_cannot_be_read_back_is_not_acknowledged(tmp_path):
    state = ReadsFailAfterAWrite(tmp_path / "state.db")
    mine, other = CorrectionsLog(state, sync_interval_s=0), CorrectionsLog(state, sync_interval_s=0)
    await mine.record(**fields("wolf"))
    await other.record(**fields("fox"))  # entry 2: this replica has not read it
    state.fail_after_write = True
    with pytest.raises(WrittenUnconfirmed, match="correction 3 was written but could not be read back"):
        await mine.record(**fields("cat"))
    state.fail_reads = False
    await mine.sync(force=True)  # the store is back: the entry was kept, and is taken in order
    assert [c.prediction for c in mine.changes] == ["wolf", "fox", "cat"]
    await state.aclose()

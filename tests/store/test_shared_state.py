"""The state replicas share (uploads, corrections): the same contract from the embedded file and
from a real redis-server, and replicas that see each other's writes."""

import asyncio

import pytest

from verifier_service.store.shared_state import LogRewound, SQLiteState, Synced
from verifier_service.taxonomy import TaxonomyRegistry
from verifier_service.taxonomy.model import Taxonomy


async def test_documents_revisions_and_logs(two_replicas):
    a, b = two_replicas(), two_replicas()
    assert await a.revision("taxonomy") == 0 and await a.documents("taxonomy") == {}
    await a.put_document("taxonomy", "birds", b"v1")
    first = await b.revision("taxonomy")
    assert first > 0 and await b.documents("taxonomy") == {"birds": b"v1"}
    await b.put_document("taxonomy", "birds", b"v2")
    assert await a.revision("taxonomy") > first and await a.documents("taxonomy") == {"birds": b"v2"}
    assert await a.documents("other") == {}  # kinds are apart
    assert await b.delete_document("taxonomy", "birds") and not await a.delete_document("taxonomy", "birds")
    assert await a.documents("taxonomy") == {}

    # both replicas append at once: every entry kept once, numbered 1..n in one order both see
    numbers = await asyncio.gather(
        *(replica.append("corrections", f"{i}".encode()) for i in range(20) for replica in (a, b))
    )
    assert sorted(numbers) == list(range(1, 41))
    assert await a.length("corrections") == await b.length("corrections") == 40
    entries = await b.entries("corrections")
    assert [n for n, _ in entries] == list(range(1, 41)) and entries == await a.entries("corrections")
    assert await a.entries("corrections", after=38) == entries[38:]
    assert await a.entries("corrections", after=40) == [] and await a.length("nothing") == 0
    await a.check_ready()
    await a.aclose()
    await b.aclose()


async def test_synced_refreshes_once_per_interval():
    calls = []

    async def refresh():
        calls.append(1)
        await asyncio.sleep(0.01)

    synced = Synced(refresh, interval_s=60)
    await asyncio.gather(*(synced.ensure() for _ in range(10)))  # at once: one refresh
    await synced.ensure()
    assert len(calls) == 1
    await synced.ensure(force=True)
    assert len(calls) == 2


BIRDS = {"name": "my-birds", "nodes": [{"name": "warbler"}, {"name": "golden-winged warbler", "parent": "warbler"}]}


async def test_an_upload_on_one_replica_reaches_the_other(two_replicas):
    replicas = [TaxonomyRegistry(state=two_replicas(), sync_interval_s=0.05) for _ in range(2)]
    one, other = replicas
    await asyncio.gather(*(r.sync(force=True) for r in replicas))
    assert await one.upload(Taxonomy.from_dict(BIRDS)) == "created"
    assert "my-birds" not in other  # not yet: a replica checks the store every sync interval
    await asyncio.sleep(0.06)
    await other.sync()
    assert other["my-birds"].version == one["my-birds"].version and other.origin("my-birds") == "uploaded"

    changed = {**BIRDS, "nodes": [{"name": "warbler"}, {"name": "blue-winged warbler", "parent": "warbler"}]}
    assert await other.upload(Taxonomy.from_dict(changed)) == "replaced"
    assert await one.upload(Taxonomy.from_dict(changed)) == "unchanged"  # an upload syncs first
    await other.delete("my-birds")
    await asyncio.sleep(0.06)
    await one.sync()
    assert "my-birds" not in one
    with pytest.raises(KeyError):
        await one.delete("my-birds")


async def test_a_log_knows_its_generation_refuses_appends_after_a_loss_and_takes_entries_back(two_replicas):
    a = two_replicas()
    assert await a.log_head("corrections") == ("", 0)
    assert await a.append("corrections", b"1", expect=("", 0)) == 1
    generation, length = await a.log_head("corrections")
    assert generation and length == 1
    assert await a.append("corrections", b"2", expect=(generation, 1)) == 2
    assert await a.append("corrections", b"3", expect=(generation, 1)) == 3  # others appended: fine
    with pytest.raises(LogRewound):
        await a.append("corrections", b"4", expect=(generation, 5))  # it saw more than the store holds
    with pytest.raises(LogRewound):
        await a.append("corrections", b"4", expect=("another-generation", 3))
    # put back only where an entry was: not past a gap, not over another entry, idempotent
    assert await a.restore("corrections", 3, b"3", generation, hold_s=0.2)  # already there
    assert not await a.restore("corrections", 3, b"other", generation, hold_s=0.2)
    assert not await a.restore("corrections", 5, b"5", generation, hold_s=0.2)  # entry 4 is missing
    assert await a.restore("corrections", 4, b"4", generation, hold_s=0.3)
    assert await a.log_head("corrections") == (generation, 4)
    with pytest.raises(LogRewound, match="appends resume in 0.[0-3] s"):  # the others' turn to put theirs back
        await a.append("corrections", b"5", expect=(generation, 4))
    assert await a.restore("corrections", 4, b"4", generation, hold_s=0.3)  # already there: holds no longer
    assert not await a.restore("corrections", 5, b"5", "another-generation", hold_s=0.2)
    await asyncio.sleep(0.3)
    assert await a.append("corrections", b"5", expect=(generation, 4)) == 5
    assert await a.restore("fresh", 1, b"1", generation, hold_s=0.2) and await a.log_head("fresh") == (generation, 1)
    await a.aclose()


async def test_an_unusable_embedded_store_is_unavailable_not_an_internal_error(tmp_path):
    """SQLite's own errors (a file locked past its timeout, a disk that is full or gone) are the
    store being unavailable: the API answers 503 for them, as for Redis down."""
    import sqlite3

    from verifier_service.store.shared_state import StoreUnavailable

    state = SQLiteState(tmp_path / "state.db")
    blocker = sqlite3.connect(tmp_path / "state.db", isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")  # another process holds the write lock
    state._conn.execute("PRAGMA busy_timeout = 100")
    with pytest.raises(StoreUnavailable, match="state.db"):
        await state.append("corrections", b"1")
    blocker.execute("ROLLBACK")
    assert await state.append("corrections", b"1") == 1
    blocker.close()
    await state.aclose()

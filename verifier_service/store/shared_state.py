"""State every replica must see (uploaded taxonomies, human corrections): one seam, two stores.

- ``SQLiteState``: one file in the data directory (``state.db``): one process, or several on one
  machine (WAL). A write is committed before it is acknowledged, so it survives the process
  being killed.
- ``RedisState``: the Redis the grade cache uses (``cache: redis``), for replicas on several
  machines; durable as Redis is configured (the shipped compose file: append-only file).

Three shapes of state:

- documents: named blobs by kind (an uploaded taxonomy's JSON), with a revision per kind that
  changes on every put or delete of that kind;
- logs: append-only entries by log name (corrections), numbered 1, 2, ... in the order they
  were appended; a reader asks for the entries after the last number it saw. Each log has a
  generation id, made at its first append: a store restarted empty has none (or, failed over to
  a copy, may hold fewer entries), so a replica that saw more notices the rewind (``log_head``),
  an append made on the strength of what it saw is refused (``LogRewound``) instead of reusing a
  number, and a replica puts back what the store lost (``restore``: only at the very place each
  entry had, so any number of replicas can do it at once). Each entry put back holds every append
  off for ``hold_s`` (``LogRewound`` again), so that a replica that saw more than the first to
  notice has its turn before anyone writes at the numbers it holds;
- groups: rollouts of one GRPO group arriving from any process or replica (``group_rewards.py``):
  a group's size is fixed by its first member, a member is kept once (the first value wins:
  a rollout sent again is idempotent), and the group expires ``ttl_s`` after its last change.
  Rollouts that carry no id (OpenRLHF's) are *claimed* by content (``claim_member``): members
  ``BASE#0``, ``BASE#1``, ... for equal contents, each held by a lease its call renews while it
  waits; a call sent again takes over a member whose lease ended (released, or its replica died)
  instead of adding one, and waits for a lease that is still held to show whether it is renewed
  (another rollout of equal content, alive: a member of its own) or not (a dead call's: taken over).

Readers poll a revision or a log's length (one cheap read) and reload only what changed; each
feature states how stale it may be (``Synced``).

While the store is unreachable (``StoreUnavailable``: Redis down, or silent past its socket
timeout), a replica serves reads from the last snapshot it synced and says so (``Synced.unavailable``,
in ``/readyz`` and the ``verifier_shared_state_stale`` metric); every write is refused (the API
answers 503 with the reason). A paused store costs one request the timeout per sync interval,
never a hang: the others go on with the snapshot meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import sqlite3
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

log = logging.getLogger(__name__)


class StoreUnavailable(RuntimeError):
    """The shared store cannot be reached now (refused, reset, or silent past its timeout)."""

    retry_after_s: float | None = None  # when known better than "a sync interval"
    written = False  # whether the write went through and only its confirmation is missing


class LogRewound(StoreUnavailable):
    """The store holds less of a log than the writer saw (restarted empty, or a lagging copy), or
    is held while replicas put back what it lost."""

    def __init__(self, message: str, *, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class WrittenUnconfirmed(StoreUnavailable):
    """The write went through, but the writer could not read it back: not acknowledged."""

    written = True


def new_generation() -> str:
    return uuid.uuid4().hex


class GroupConflict(ValueError):
    """A member its group refuses."""


class GroupSizeMismatch(GroupConflict):
    """The member says the group has another size than its first member said."""


class GroupFull(GroupConflict):
    """The group already holds its size of other members."""


class TooManyOpenGroups(RuntimeError):
    """The caller already holds its bound of open groups: a new one is refused until some expire."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"this caller already has {limit} open groups in the shared state (group_open_max); a group "
            "closes group_ttl_s after its last rollout"
        )
        self.limit = limit


OpenBound = tuple[str, int]  # (the caller's namespace, the most groups it may hold open)
ANSWERED = -1  # a lease's end for a member whose call was answered: held for the group's life


@dataclass(frozen=True)
class Claimed:
    """What ``claim_member`` found: the member this call now holds (or, in a complete group, answers
    as), with its kept value; or none, while every member of equal content is held (``held``: each
    one's lease end on the store's clock, ``now_ms``)."""

    member: str | None
    value: bytes | None
    held: dict[str, int]
    now_ms: int


class SharedState(Protocol):
    async def put_document(self, kind: str, name: str, content: bytes) -> None: ...

    async def delete_document(self, kind: str, name: str) -> bool:
        """Whether there was such a document."""
        ...

    async def documents(self, kind: str) -> dict[str, bytes]: ...

    async def revision(self, kind: str) -> int:
        """Changes whenever a document of ``kind`` is put or deleted."""
        ...

    async def append(self, log: str, entry: bytes, *, expect: tuple[str, int] | None = None) -> int:
        """Append an entry; its number (1, 2, ...). ``expect``: the (generation, length) the writer saw;
        ``LogRewound`` when the store holds another generation or fewer entries."""
        ...

    async def log_head(self, log: str) -> tuple[str, int]:
        """The log's generation ('' before its first append) and how many entries it holds."""
        ...

    async def restore(self, log: str, number: int, entry: bytes, generation: str, *, hold_s: float) -> bool:
        """Put back entry ``number`` of ``generation`` where the store lost it: only if the log holds
        exactly the entries before it (of that generation, or none at all). Whether the entry at
        ``number`` is now this one (also when it already was). An entry put back refuses appends
        for ``hold_s`` (``LogRewound``): the other replicas' turn to put back what they saw."""
        ...

    async def entries(self, log: str, after: int = 0) -> list[tuple[int, bytes]]:
        """The entries numbered after ``after``, in order."""
        ...

    async def length(self, log: str) -> int: ...

    async def add_to_group(
        self, group: str, size: int, member: str, value: bytes, ttl_s: float, *, bound: OpenBound | None = None
    ) -> bytes:
        """Keep ``value`` for ``member`` (unless it is already there); the value kept. ``GroupConflict``
        when ``size`` is not the group's, or the group already holds ``size`` other members;
        ``TooManyOpenGroups`` when ``group`` is new and ``bound``'s namespace (the prefix of its
        groups' keys, then NUL) already holds its bound of open groups."""
        ...

    async def claim_member(
        self,
        group: str,
        size: int,
        base: str,
        attempt: str,
        value: bytes,
        ttl_s: float,
        lease_s: float,
        *,
        bound: OpenBound | None = None,
        take_held: bool = False,
    ) -> Claimed:
        """A member ``BASE#k`` of ``group`` for one call (``attempt``) of a rollout without an id,
        leased to it for ``lease_s``: in a complete group, the first member of this content
        (a call sent again after its answer); else the first whose lease ended; else, if no member of
        this content is held or ``take_held``, a new one (kept with ``value``, as ``add_to_group``
        keeps, with its conflicts and bound); else none (``Claimed.held``)."""
        ...

    async def set_leases(self, leases: list[tuple[str, str, str]], lease_s: float | None) -> None:
        """For each (group, member, attempt) still held by that attempt: renew its lease for
        ``lease_s`` (0: release it now), or with None hold it for the group's life (answered)."""
        ...

    async def group(self, group: str) -> tuple[int, dict[str, bytes]]:
        """The group's size and members (0 and none when there is no such group, or it expired)."""
        ...

    async def groups(self, groups: list[str]) -> dict[str, tuple[int, dict[str, bytes]]]:
        """Several groups in one read (one round trip, one transaction), as ``group`` gives each."""
        ...

    async def check_ready(self) -> None: ...

    async def aclose(self) -> None: ...


class Synced:
    """Runs ``refresh`` at most once every ``interval_s`` (callers in between use what it loaded), and
    only one at a time: the cost of staying in sync with other replicas is one read per interval.

    A refresh that finds the store unavailable keeps what was loaded before (the snapshot) and
    records why in ``unavailable`` until a later refresh succeeds. While a refresh is under way, or
    the store is known to be down (then retries run in the background, one per interval), callers
    that do not force one go on with the snapshot instead of waiting for it."""

    def __init__(self, refresh: Callable[[], Awaitable[None]], interval_s: float, name: str = "state") -> None:
        self._refresh = refresh
        self.interval_s = interval_s
        self.name = name
        self.unavailable: str | None = None  # why the last refresh failed; None once one succeeds
        self._at = float("-inf")
        self._lock = asyncio.Lock()
        self._retry: asyncio.Task | None = None

    async def ensure(self, *, force: bool = False) -> None:
        if force:
            await self._attempt_locked()
            return
        if time.monotonic() - self._at < self.interval_s or self._lock.locked():
            return
        if self.unavailable is not None:  # known down: retry off the request's path, serve the snapshot
            if self._retry is None or self._retry.done():
                self._retry = asyncio.create_task(self._attempt_locked())
            return
        async with self._lock:
            if time.monotonic() - self._at >= self.interval_s:
                await self._attempt()

    async def keep(self) -> None:
        """Refresh once per interval, in the background, for as long as it runs: a replica nobody
        sends requests to still notices what the store lost and puts back what it holds."""
        while True:
            await asyncio.sleep(self.interval_s)
            try:
                await self.ensure()
            except Exception:  # a bug in a refresh must not end the loop silently
                log.exception("%s: background sync failed", self.name)

    async def _attempt_locked(self) -> None:
        async with self._lock:
            await self._attempt()

    async def _attempt(self) -> None:
        try:
            await self._refresh()
        except StoreUnavailable as exc:
            if self.unavailable is None:
                log.warning("%s: serving the last snapshot: %s", self.name, exc)
            self.unavailable = str(exc)
        else:
            if self.unavailable is not None:
                log.warning("%s: the shared state is back; in sync again", self.name)
            self.unavailable = None
        self._at = time.monotonic()


_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    kind TEXT NOT NULL, name TEXT NOT NULL, content BLOB NOT NULL, updated_at REAL NOT NULL,
    PRIMARY KEY (kind, name)
);
CREATE TABLE IF NOT EXISTS revisions (kind TEXT PRIMARY KEY, revision INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS logs (log TEXT NOT NULL, seq INTEGER NOT NULL, entry BLOB NOT NULL, PRIMARY KEY (log, seq));
CREATE TABLE IF NOT EXISTS group_sizes (grp TEXT PRIMARY KEY, size INTEGER NOT NULL, expires_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS group_members (
    grp TEXT NOT NULL, member TEXT NOT NULL, value BLOB NOT NULL, PRIMARY KEY (grp, member)
);
CREATE TABLE IF NOT EXISTS group_leases (
    grp TEXT NOT NULL, member TEXT NOT NULL, attempt TEXT NOT NULL, until_ms INTEGER NOT NULL,
    PRIMARY KEY (grp, member)
);
CREATE INDEX IF NOT EXISTS group_expiry ON group_sizes (expires_at);
CREATE TABLE IF NOT EXISTS log_generations (log TEXT PRIMARY KEY, generation TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS log_holds (log TEXT PRIMARY KEY, until REAL NOT NULL);
"""


def _rewound(generation: str, length: int, expected_generation: str, seen: int) -> bool:
    """Whether a log the store holds as (generation, length) lost what a writer saw."""
    if length < seen:
        return True
    return bool(generation) and bool(expected_generation) and generation != expected_generation


def _held_message(log: str, held_s: float) -> str:
    return (
        f"the store lost entries of its {log} log (restarted empty, or a lagging copy) and replicas are "
        f"putting them back: appends resume in {held_s:.1f} s"
    )


def _rewound_message(log: str, generation: str, length: int, expected_generation: str, seen: int) -> str:
    return (
        f"the store's {log} log holds {length} entries of generation {generation or '(none)'}; this replica "
        f"saw {seen} of {expected_generation or '(none)'}: the store lost entries (restarted empty, or a "
        "lagging copy); they are being put back"
    )


def _conflict(group: str, size: int, stored: int) -> GroupConflict:
    if stored != size:
        return GroupSizeMismatch(f"group {group!r} has size {stored} (from its first rollout), not {size}")
    return GroupFull(f"group {group!r} already holds its {size} rollouts; this one is one too many")


class SQLiteState:
    """The embedded store. Calls are short and run in a worker thread; one connection, one lock."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(path, check_same_thread=False, timeout=30, isolation_level=None)
        with self._lock:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")  # with WAL: a commit survives the process's death
            self._conn.executescript(_SCHEMA)

    def _transaction(self, work: Callable[[sqlite3.Connection], object]) -> object:
        with self._lock, self._unavailable_on_errors():
            self._conn.execute("BEGIN IMMEDIATE")  # other processes on this file wait for the write lock
            try:
                result = work(self._conn)
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")
            return result

    @contextlib.contextmanager
    def _unavailable_on_errors(self) -> Iterator[None]:
        """The file locked past its timeout, unreadable, or on a full disk -> ``StoreUnavailable`` (503)."""
        try:
            yield
        except sqlite3.OperationalError as exc:
            raise StoreUnavailable(f"the shared state ({self.path}) is unavailable: {exc}") from exc

    @staticmethod
    def _bump(conn: sqlite3.Connection, kind: str) -> None:
        conn.execute(
            "INSERT INTO revisions VALUES (?, 1) ON CONFLICT(kind) DO UPDATE SET revision = revision + 1", (kind,)
        )

    def _put(self, kind: str, name: str, content: bytes) -> None:
        def work(conn: sqlite3.Connection) -> None:
            conn.execute("INSERT OR REPLACE INTO documents VALUES (?, ?, ?, ?)", (kind, name, content, time.time()))
            self._bump(conn, kind)

        self._transaction(work)

    def _delete(self, kind: str, name: str) -> bool:
        def work(conn: sqlite3.Connection) -> bool:
            deleted = conn.execute("DELETE FROM documents WHERE kind = ? AND name = ?", (kind, name)).rowcount
            if deleted:
                self._bump(conn, kind)
            return bool(deleted)

        return bool(self._transaction(work))

    def _read(self, query: str, args: tuple) -> list[tuple]:
        with self._lock, self._unavailable_on_errors():
            return self._conn.execute(query, args).fetchall()

    @staticmethod
    def _head(conn: sqlite3.Connection, log: str) -> tuple[str, int]:
        row = conn.execute("SELECT generation FROM log_generations WHERE log = ?", (log,)).fetchone()
        (last,) = conn.execute("SELECT COALESCE(MAX(seq), 0) FROM logs WHERE log = ?", (log,)).fetchone()
        return (row[0] if row else ""), last

    def _append(self, log: str, entry: bytes, expect: tuple[str, int] | None) -> int:
        def work(conn: sqlite3.Connection) -> int:
            hold = conn.execute("SELECT until FROM log_holds WHERE log = ?", (log,)).fetchone()
            if hold is not None and hold[0] > time.time():
                left = hold[0] - time.time()
                raise LogRewound(_held_message(log, left), retry_after_s=left)
            generation, last = self._head(conn, log)
            if expect is not None and _rewound(generation, last, *expect):
                raise LogRewound(_rewound_message(log, generation, last, *expect))
            if not generation:
                conn.execute("INSERT INTO log_generations VALUES (?, ?)", (log, new_generation()))
            conn.execute("INSERT INTO logs VALUES (?, ?, ?)", (log, last + 1, entry))
            return last + 1

        return int(self._transaction(work))  # type: ignore[call-overload]

    def _restore(self, log: str, number: int, entry: bytes, generation: str, hold_s: float) -> bool:
        def work(conn: sqlite3.Connection) -> bool:
            held, last = self._head(conn, log)
            if held and held != generation:
                return False
            if last >= number:
                row = conn.execute("SELECT entry FROM logs WHERE log = ? AND seq = ?", (log, number)).fetchone()
                return row is not None and bytes(row[0]) == entry
            if last != number - 1:
                return False
            if not held:
                conn.execute("INSERT INTO log_generations VALUES (?, ?)", (log, generation))
            conn.execute("INSERT INTO logs VALUES (?, ?, ?)", (log, number, entry))
            conn.execute("INSERT OR REPLACE INTO log_holds VALUES (?, ?)", (log, time.time() + hold_s))
            return True

        return bool(self._transaction(work))

    def _add_to_group(
        self, group: str, size: int, member: str, value: bytes, ttl_s: float, bound: OpenBound | None
    ) -> bytes:
        def work(conn: sqlite3.Connection) -> bytes:
            now = time.time()
            row = self._group_size(conn, group, size, now)
            kept = conn.execute(
                "SELECT value FROM group_members WHERE grp = ? AND member = ?", (group, member)
            ).fetchone()
            if kept is not None:
                return bytes(kept[0])
            (count,) = conn.execute("SELECT COUNT(*) FROM group_members WHERE grp = ?", (group,)).fetchone()
            if count >= size:
                raise _conflict(group, size, size)
            self._insert_member(conn, group, size, member, value, now + ttl_s, new=row is None, bound=bound)
            return value

        return self._transaction(work)  # type: ignore[return-value]

    @staticmethod
    def _group_size(conn: sqlite3.Connection, group: str, size: int, now: float) -> int | None:
        """The group's size (None: no such group), after dropping expired groups; a conflict when not ``size``."""
        expired = [row[0] for row in conn.execute("SELECT grp FROM group_sizes WHERE expires_at < ?", (now,))]
        for name in expired:  # bounded: a group lives ttl_s after its last change
            for table in ("group_members", "group_leases", "group_sizes"):
                conn.execute(f"DELETE FROM {table} WHERE grp = ?", (name,))
        row = conn.execute("SELECT size FROM group_sizes WHERE grp = ?", (group,)).fetchone()
        if row is not None and row[0] != size:
            raise _conflict(group, size, row[0])
        return None if row is None else row[0]

    @staticmethod
    def _insert_member(
        conn: sqlite3.Connection, group: str, size: int, member: str, value: bytes, expires_at: float,
        *, new: bool, bound: OpenBound | None,
    ) -> None:  # fmt: skip
        if new and bound is not None:  # a new group: within the caller's bound (a range of the key)
            namespace, limit = bound
            within = (namespace + "\x00", namespace + "\x01")
            (held,) = conn.execute("SELECT COUNT(*) FROM group_sizes WHERE grp > ? AND grp < ?", within).fetchone()
            if held >= limit:
                raise TooManyOpenGroups(limit)
        conn.execute("INSERT OR REPLACE INTO group_sizes VALUES (?, ?, ?)", (group, size, expires_at))
        conn.execute("INSERT INTO group_members VALUES (?, ?, ?)", (group, member, value))

    def _claim_member(
        self, group: str, size: int, base: str, attempt: str, value: bytes, ttl_s: float, lease_s: float,
        bound: OpenBound | None, take_held: bool,
    ) -> Claimed:  # fmt: skip
        def work(conn: sqlite3.Connection) -> Claimed:
            now = time.time()
            now_ms, lease = int(now * 1000), (attempt, int(now * 1000 + lease_s * 1000))
            row = self._group_size(conn, group, size, now)
            (count,) = conn.execute("SELECT COUNT(*) FROM group_members WHERE grp = ?", (group,)).fetchone()
            held: dict[str, int] = {}
            for k in range(count + 1):
                member = f"{base}#{k}"
                kept = conn.execute(
                    "SELECT value FROM group_members WHERE grp = ? AND member = ?", (group, member)
                ).fetchone()
                if kept is None:
                    break
                if count >= size:  # complete: a call sent again after its answer
                    return Claimed(member, bytes(kept[0]), {}, now_ms)
                until = conn.execute(
                    "SELECT until_ms FROM group_leases WHERE grp = ? AND member = ?", (group, member)
                ).fetchone()
                if until is None or 0 <= until[0] <= now_ms:
                    conn.execute("INSERT OR REPLACE INTO group_leases VALUES (?, ?, ?, ?)", (group, member, *lease))
                    return Claimed(member, bytes(kept[0]), {}, now_ms)
                if until[0] != ANSWERED:
                    held[member] = until[0]
            if count >= size:
                raise _conflict(group, size, size)
            if held and not take_held:
                return Claimed(None, None, held, now_ms)
            member = f"{base}#{k}"
            self._insert_member(conn, group, size, member, value, now + ttl_s, new=row is None, bound=bound)
            conn.execute("INSERT OR REPLACE INTO group_leases VALUES (?, ?, ?, ?)", (group, member, *lease))
            return Claimed(member, value, {}, now_ms)

        return self._transaction(work)  # type: ignore[return-value]

    def _set_leases(self, leases: list[tuple[str, str, str]], lease_s: float | None) -> None:
        def work(conn: sqlite3.Connection) -> None:
            until = ANSWERED if lease_s is None else int(time.time() * 1000 + lease_s * 1000)
            conn.executemany(
                "UPDATE group_leases SET until_ms = ? WHERE grp = ? AND member = ? AND attempt = ?",
                [(until, *lease) for lease in leases],
            )

        self._transaction(work)

    async def add_to_group(
        self, group: str, size: int, member: str, value: bytes, ttl_s: float, *, bound: OpenBound | None = None
    ) -> bytes:
        return await asyncio.to_thread(self._add_to_group, group, size, member, value, ttl_s, bound)

    async def claim_member(
        self, group: str, size: int, base: str, attempt: str, value: bytes, ttl_s: float, lease_s: float,
        *, bound: OpenBound | None = None, take_held: bool = False,
    ) -> Claimed:  # fmt: skip
        return await asyncio.to_thread(
            self._claim_member, group, size, base, attempt, value, ttl_s, lease_s, bound, take_held
        )

    async def set_leases(self, leases: list[tuple[str, str, str]], lease_s: float | None) -> None:
        if leases:
            await asyncio.to_thread(self._set_leases, leases, lease_s)

    async def group(self, group: str) -> tuple[int, dict[str, bytes]]:
        return (await self.groups([group]))[group]

    async def groups(self, groups: list[str]) -> dict[str, tuple[int, dict[str, bytes]]]:
        def read() -> dict[str, tuple[int, dict[str, bytes]]]:
            found: dict[str, tuple[int, dict[str, bytes]]] = {g: (0, {}) for g in groups}
            now = time.time()
            with self._lock, self._unavailable_on_errors():
                for start in range(0, len(groups), 500):  # SQLite's bound on a statement's parameters
                    chunk = groups[start : start + 500]
                    marks = ",".join("?" * len(chunk))
                    sizes = self._conn.execute(
                        f"SELECT grp, size FROM group_sizes WHERE grp IN ({marks}) AND expires_at >= ?", (*chunk, now)
                    ).fetchall()
                    live = {grp: size for grp, size in sizes}
                    rows = self._conn.execute(
                        f"SELECT grp, member, value FROM group_members WHERE grp IN ({marks})", tuple(chunk)
                    ).fetchall()
                    members: dict[str, dict[str, bytes]] = {g: {} for g in live}
                    for grp, member, value in rows:
                        if grp in members:
                            members[grp][member] = bytes(value)
                    found.update({g: (live[g], members[g]) for g in live})
            return found

        return await asyncio.to_thread(read)

    async def put_document(self, kind: str, name: str, content: bytes) -> None:
        await asyncio.to_thread(self._put, kind, name, content)

    async def delete_document(self, kind: str, name: str) -> bool:
        return await asyncio.to_thread(self._delete, kind, name)

    async def documents(self, kind: str) -> dict[str, bytes]:
        rows = await asyncio.to_thread(self._read, "SELECT name, content FROM documents WHERE kind = ?", (kind,))
        return {name: bytes(content) for name, content in rows}

    async def revision(self, kind: str) -> int:
        rows = await asyncio.to_thread(self._read, "SELECT revision FROM revisions WHERE kind = ?", (kind,))
        return rows[0][0] if rows else 0

    async def append(self, log: str, entry: bytes, *, expect: tuple[str, int] | None = None) -> int:
        return await asyncio.to_thread(self._append, log, entry, expect)

    async def log_head(self, log: str) -> tuple[str, int]:
        def read() -> tuple[str, int]:
            with self._lock, self._unavailable_on_errors():
                return self._head(self._conn, log)

        return await asyncio.to_thread(read)

    async def restore(self, log: str, number: int, entry: bytes, generation: str, *, hold_s: float) -> bool:
        return await asyncio.to_thread(self._restore, log, number, entry, generation, hold_s)

    async def entries(self, log: str, after: int = 0) -> list[tuple[int, bytes]]:
        rows = await asyncio.to_thread(
            self._read, "SELECT seq, entry FROM logs WHERE log = ? AND seq > ? ORDER BY seq", (log, after)
        )
        return [(seq, bytes(entry)) for seq, entry in rows]

    async def length(self, log: str) -> int:
        rows = await asyncio.to_thread(self._read, "SELECT COALESCE(MAX(seq), 0) FROM logs WHERE log = ?", (log,))
        return rows[0][0]

    async def check_ready(self) -> None:
        await asyncio.to_thread(self._read, "SELECT 1", ())

    async def aclose(self) -> None:
        with self._lock:
            self._conn.close()


# One atomic step on the server: the size check, the idempotent insert, the bounds, the expiry.
# Returns {code, value}: {1, kept value}, {-1, the group's size}, {-2, size} for one member too many,
# {-3, bound} for a new group past the caller's bound of open groups (KEYS[3]: its open groups, each
# scored by when it expires; ARGV[5]: the bound, 0 for none; ARGV[6]: the group's name there).
_ADD_TO_GROUP = """
local size = redis.call('GET', KEYS[1])
if size and tonumber(size) ~= tonumber(ARGV[1]) then return {-1, size} end
local kept = redis.call('HGET', KEYS[2], ARGV[2])
if kept then return {1, kept} end
if redis.call('HLEN', KEYS[2]) >= tonumber(ARGV[1]) then return {-2, ARGV[1]} end
local bound = tonumber(ARGV[5])
if bound > 0 then
  local clock = redis.call('TIME')
  local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
  if not size then
    redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
    if redis.call('ZCARD', KEYS[3]) >= bound then return {-3, ARGV[5]} end
  end
  redis.call('ZADD', KEYS[3], now + tonumber(ARGV[4]), ARGV[6])
  redis.call('PEXPIRE', KEYS[3], ARGV[4])
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[4])
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
return {1, ARGV[3]}
"""


# A claim (``claim_member``), one atomic step: KEYS as _ADD_TO_GROUP's, then the group's leases
# (member -> "attempt:end_ms", -1: answered); ARGV[1..6] as _ADD_TO_GROUP's but ARGV[2] the base name,
# ARGV[7] the attempt, ARGV[8] the lease in ms, ARGV[9] '1' to add a member while others are held.
# Returns {1, member, value}, {0, held member, its lease end, ...} (every match held), or _ADD_TO_GROUP's
# refusals; the last element is always the store's clock (ms).
_CLAIM_MEMBER = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local size = redis.call('GET', KEYS[1])
if size and tonumber(size) ~= tonumber(ARGV[1]) then return {-1, size, now} end
local count = redis.call('HLEN', KEYS[2])
local complete = count >= tonumber(ARGV[1])
local lease = ARGV[7] .. ':' .. (now + tonumber(ARGV[8]))
local held = {0}
local k = 0
while true do
  local member = ARGV[2] .. '#' .. k
  local kept = redis.call('HGET', KEYS[2], member)
  if not kept then break end
  if complete then return {1, member, kept, now} end
  local current = redis.call('HGET', KEYS[4], member)
  local ends = current and tonumber(string.match(current, ':(-?%d+)$'))
  if (not current) or (ends >= 0 and ends <= now) then
    redis.call('HSET', KEYS[4], member, lease)
    redis.call('PEXPIRE', KEYS[4], ARGV[4])
    return {1, member, kept, now}
  end
  if ends >= 0 then
    table.insert(held, member)
    table.insert(held, ends)
  end
  k = k + 1
end
if complete then return {-2, ARGV[1], now} end
if #held > 1 and ARGV[9] ~= '1' then
  table.insert(held, now)
  return held
end
local bound = tonumber(ARGV[5])
if bound > 0 then
  if not size then
    redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
    if redis.call('ZCARD', KEYS[3]) >= bound then return {-3, ARGV[5], now} end
  end
  redis.call('ZADD', KEYS[3], now + tonumber(ARGV[4]), ARGV[6])
  redis.call('PEXPIRE', KEYS[3], ARGV[4])
end
local member = ARGV[2] .. '#' .. k
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[4])
redis.call('HSET', KEYS[2], member, ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
redis.call('HSET', KEYS[4], member, lease)
redis.call('PEXPIRE', KEYS[4], ARGV[4])
return {1, member, ARGV[3], now}
"""

# Leases renewed, released or marked answered: KEYS the groups' leases; ARGV pairs (member, attempt),
# then the new end in ms from now (-1: answered). Only a lease its attempt still holds changes.
_SET_LEASES = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local offset = tonumber(ARGV[#ARGV])
local ends = offset < 0 and -1 or now + offset
for i, key in ipairs(KEYS) do
  local member, attempt = ARGV[2 * i - 1], ARGV[2 * i]
  local current = redis.call('HGET', key, member)
  if current and string.sub(current, 1, #attempt + 1) == attempt .. ':' then
    redis.call('HSET', key, member, attempt .. ':' .. ends)
  end
end
return 1
"""


def _unavailable_on_connection_errors(method):
    """Redis unreachable or silent past its socket timeout -> ``StoreUnavailable``, with where; and a
    cancellation redis-py (8.2) swallowed inside a command raised again: without it a task cancelled
    there carries on (a background sync loop cancelled at shutdown never ended: CI hung)."""

    @functools.wraps(method)
    async def guarded(self, *args, **kwargs):
        from redis.exceptions import ConnectionError, TimeoutError

        task = asyncio.current_task()
        try:
            found = await method(self, *args, **kwargs)
        except (ConnectionError, TimeoutError, OSError) as exc:
            raise StoreUnavailable(f"the shared state (Redis at {self.address}) is unreachable: {exc}") from exc
        if task is not None and task.cancelling():
            raise asyncio.CancelledError  # the command returned, but this task was cancelled meanwhile
        return found

    return guarded


# An append, refused ({-1, generation, length}) when the writer saw more than the store holds or
# another generation (seen -1: no expectation), or ({-2, '', ms left}) while entries are being put
# back; the log's generation is made at its first append.
_APPEND = """
local held = redis.call('PTTL', KEYS[3])
if held > 0 then return {-2, '', held} end
local generation = redis.call('GET', KEYS[2])
local length = redis.call('LLEN', KEYS[1])
local seen = tonumber(ARGV[3])
if length < seen or (generation and ARGV[2] ~= '' and generation ~= ARGV[2]) then
  return {-1, generation or '', length}
end
if not generation then
  generation = ARGV[4]
  redis.call('SET', KEYS[2], generation)
end
return {redis.call('RPUSH', KEYS[1], ARGV[1]), generation, length + 1}
"""

# Entry ARGV[1] put back where it was: only on top of exactly the entries before it, of its generation;
# appends are then held off for ARGV[4] ms.
_RESTORE = """
local generation = redis.call('GET', KEYS[2])
if generation and generation ~= ARGV[3] then return 0 end
local number = tonumber(ARGV[1])
local length = redis.call('LLEN', KEYS[1])
if length >= number then
  if redis.call('LINDEX', KEYS[1], number - 1) == ARGV[2] then return 1 end
  return 0
end
if length ~= number - 1 then return 0 end
if not generation then redis.call('SET', KEYS[2], ARGV[3]) end
redis.call('RPUSH', KEYS[1], ARGV[2])
redis.call('SET', KEYS[3], '1', 'PX', ARGV[4])
return 1
"""


class RedisState:
    """The shared store: a hash of documents and a revision counter per kind, a list per log.

    A log entry's number is the list's length after ``RPUSH`` (atomic: two replicas appending at
    once get two numbers); a document's put and its revision's increment are one transaction.
    """

    def __init__(self, url: str, *, prefix: str = "verifier:state:", timeout_s: float = 2.0) -> None:
        import redis.asyncio as redis

        self.url = url
        self._redis = redis.Redis.from_url(url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s)
        self._prefix = prefix
        self._add_script = self._redis.register_script(_ADD_TO_GROUP)
        self._claim_script = self._redis.register_script(_CLAIM_MEMBER)
        self._leases_script = self._redis.register_script(_SET_LEASES)
        self._append_script = self._redis.register_script(_APPEND)
        self._restore_script = self._redis.register_script(_RESTORE)
        kwargs = self._redis.connection_pool.connection_kwargs  # no password: this goes into messages
        self.address = f"{kwargs.get('host', kwargs.get('path', '?'))}:{kwargs.get('port', '')}".rstrip(":")

    def _key(self, *parts: str) -> str:
        return self._prefix + ":".join(parts)

    @_unavailable_on_connection_errors
    async def put_document(self, kind: str, name: str, content: bytes) -> None:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(self._key("docs", kind), name, content)
            pipe.incr(self._key("revision", kind))
            await pipe.execute()

    @_unavailable_on_connection_errors
    async def delete_document(self, kind: str, name: str) -> bool:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hdel(self._key("docs", kind), name)
            pipe.incr(self._key("revision", kind))
            deleted, _ = await pipe.execute()
        return bool(deleted)

    @_unavailable_on_connection_errors
    async def documents(self, kind: str) -> dict[str, bytes]:
        found = await self._redis.hgetall(self._key("docs", kind))
        return {name.decode(): bytes(content) for name, content in found.items()}

    @_unavailable_on_connection_errors
    async def revision(self, kind: str) -> int:
        return int(await self._redis.get(self._key("revision", kind)) or 0)

    @_unavailable_on_connection_errors
    async def append(self, log: str, entry: bytes, *, expect: tuple[str, int] | None = None) -> int:
        keys = [self._key("log", log), self._key("log", log, "generation"), self._key("log", log, "hold")]
        expected_generation, seen = expect if expect is not None else ("", -1)
        number, generation, length = await self._append_script(
            keys=keys, args=[entry, expected_generation, seen, new_generation()]
        )
        if number == -2:
            raise LogRewound(_held_message(log, int(length) / 1000), retry_after_s=int(length) / 1000)
        if number < 0:
            raise LogRewound(_rewound_message(log, generation.decode(), int(length), expected_generation, seen))
        return int(number)

    @_unavailable_on_connection_errors
    async def log_head(self, log: str) -> tuple[str, int]:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.get(self._key("log", log, "generation"))
            pipe.llen(self._key("log", log))
            generation, length = await pipe.execute()
        return (generation.decode() if generation else ""), int(length)

    @_unavailable_on_connection_errors
    async def restore(self, log: str, number: int, entry: bytes, generation: str, *, hold_s: float) -> bool:
        keys = [self._key("log", log), self._key("log", log, "generation"), self._key("log", log, "hold")]
        hold_ms = max(1, int(hold_s * 1000))
        return bool(await self._restore_script(keys=keys, args=[number, entry, generation, hold_ms]))

    @_unavailable_on_connection_errors
    async def entries(self, log: str, after: int = 0) -> list[tuple[int, bytes]]:
        found = await self._redis.lrange(self._key("log", log), after, -1)
        return [(after + i, bytes(entry)) for i, entry in enumerate(found, 1)]

    @_unavailable_on_connection_errors
    async def length(self, log: str) -> int:
        return int(await self._redis.llen(self._key("log", log)))

    @_unavailable_on_connection_errors
    async def add_to_group(
        self, group: str, size: int, member: str, value: bytes, ttl_s: float, *, bound: OpenBound | None = None
    ) -> bytes:
        namespace, limit = bound if bound is not None else ("", 0)
        keys = [self._key("group", group, "size"), self._key("group", group, "members"), self._key("open", namespace)]
        args = [size, member, value, int(ttl_s * 1000), limit, group]
        code, kept = await self._add_script(keys=keys, args=args)
        if code == -3:
            raise TooManyOpenGroups(int(kept))
        if code < 0:
            raise _conflict(group, size, int(kept))
        return bytes(kept)

    @_unavailable_on_connection_errors
    async def claim_member(
        self, group: str, size: int, base: str, attempt: str, value: bytes, ttl_s: float, lease_s: float,
        *, bound: OpenBound | None = None, take_held: bool = False,
    ) -> Claimed:  # fmt: skip
        namespace, limit = bound if bound is not None else ("", 0)
        keys = [self._key("group", group, "size"), self._key("group", group, "members"), self._key("open", namespace),
                self._key("group", group, "leases")]  # fmt: skip
        args = [size, base, value, int(ttl_s * 1000), limit, group, attempt, int(lease_s * 1000), int(take_held)]
        found = await self._claim_script(keys=keys, args=args)
        code, now_ms = int(found[0]), int(found[-1])
        if code == -3:
            raise TooManyOpenGroups(int(found[1]))
        if code < 0:
            raise _conflict(group, size, int(found[1]))
        if code == 1:
            return Claimed(found[1].decode(), bytes(found[2]), {}, now_ms)
        pairs = found[1:-1]
        return Claimed(None, None, {m.decode(): int(e) for m, e in zip(pairs[::2], pairs[1::2], strict=True)}, now_ms)

    @_unavailable_on_connection_errors
    async def set_leases(self, leases: list[tuple[str, str, str]], lease_s: float | None) -> None:
        if not leases:
            return
        keys = [self._key("group", group, "leases") for group, _, _ in leases]
        pairs = [part for _, member, attempt in leases for part in (member, attempt)]
        await self._leases_script(keys=keys, args=[*pairs, -1 if lease_s is None else int(lease_s * 1000)])

    async def group(self, group: str) -> tuple[int, dict[str, bytes]]:
        return (await self.groups([group]))[group]

    @_unavailable_on_connection_errors
    async def groups(self, groups: list[str]) -> dict[str, tuple[int, dict[str, bytes]]]:
        async with self._redis.pipeline(transaction=True) as pipe:
            for group in groups:
                pipe.get(self._key("group", group, "size"))
                pipe.hgetall(self._key("group", group, "members"))
            answers = await pipe.execute()
        found: dict[str, tuple[int, dict[str, bytes]]] = {}
        for group, size, members in zip(groups, answers[::2], answers[1::2], strict=True):
            found[group] = (0, {}) if size is None else (int(size), {n.decode(): bytes(v) for n, v in members.items()})
        return found

    async def check_ready(self) -> None:
        await self._redis.ping()

    async def aclose(self) -> None:
        await self._redis.aclose()


def open_shared_state(cache: str, data_dir: Path, redis_url: str) -> SharedState:
    """Redis when the grade cache is Redis (replicas share it), else the embedded file."""
    if cache == "redis":
        return RedisState(redis_url)
    return SQLiteState(data_dir / "state.db")

"""The shared Redis cache and cross-replica single-flight, against a real redis-server."""

import asyncio
import signal

import pytest
from support.fakes import ScriptedJudge

from verifier_service.grading import Category, GradeInput, Grader, Judgement, Source, Status, cache_key
from verifier_service.grading.types import JudgeRequest
from verifier_service.metrics import ServiceMetrics
from verifier_service.store.failover_cache import FailoverCache
from verifier_service.store.redis_cache import RedisGradeCache
from verifier_service.store.sqlite_cache import SQLiteGradeCache


def replica(redis_url, tmp_path, name, judge, **kwargs):
    cache = FailoverCache(
        RedisGradeCache(redis_url),
        SQLiteGradeCache(tmp_path / f"{name}.sqlite3"),
        retry_s=0.2,
        on_switch=kwargs.pop("on_switch", None),
    )
    return Grader(judges={"j": judge}, default_judge="j", cache=cache, coordinator=cache, poll_s=0.05, **kwargs), cache


async def test_redis_cache_and_locks(redis_server):
    cache = RedisGradeCache(redis_server.url)
    await cache.put_many({"k1": Judgement(Category.GENERIC, {"generic": 0.9})})
    assert await cache.get_many(["k1", "k2"]) == {"k1": Judgement(Category.GENERIC, {"generic": 0.9})}
    assert await cache.claim(["a", "b"], "me", 10_000) == {"a", "b"}
    assert await cache.claim(["a", "c"], "you", 10_000) == {"c"}
    await cache.release(["a"], "you")  # not yours: stays
    assert await cache.locked(["a", "b", "c", "d"]) == {"a", "b", "c"}
    await cache.release(["a", "b"], "me")
    assert await cache.locked(["a", "b", "c"]) == {"c"}
    await cache.aclose()


async def test_two_replicas_judge_a_pair_once(redis_server, tmp_path):
    judges = [ScriptedJudge({("dog", "samoyed"): Category.MORE_SPECIFIC}, delay=0.5) for _ in range(2)]
    (a, _), (b, _) = (replica(redis_server.url, tmp_path, n, j) for n, j in zip("ab", judges, strict=True))
    first, second = await asyncio.gather(
        a.grade([GradeInput("dog", "samoyed")]), b.grade([GradeInput("dog", "samoyed")])
    )
    assert sum(len(j.judged) for j in judges) == 1  # one judge call across both replicas
    assert {first.grades[0].source, second.grades[0].source} == {Source.JUDGE, Source.CACHE}
    assert first.grades[0].category is second.grades[0].category is Category.MORE_SPECIFIC
    await a.aclose()
    await b.aclose()


class ClaimsAfter:
    """A coordinator whose claims wait for a gate: the window between a replica's cache lookup
    and its claim, held open while another replica judges, caches and releases the pair."""

    def __init__(self, coordinator, gate: asyncio.Event) -> None:
        self._coordinator, self._gate = coordinator, gate
        self.claiming = asyncio.Event()

    async def claim(self, keys, owner, ttl_ms):
        self.claiming.set()
        await self._gate.wait()
        return await self._coordinator.claim(keys, owner, ttl_ms)

    def __getattr__(self, name):
        return getattr(self._coordinator, name)


async def test_a_pair_judged_between_lookup_and_claim_is_not_judged_again(redis_server, tmp_path):
    judges = [ScriptedJudge({("dog", "samoyed"): Category.MORE_SPECIFIC}) for _ in range(2)]
    a, _ = replica(redis_server.url, tmp_path, "a", judges[0])
    gate = asyncio.Event()
    b_cache = FailoverCache(RedisGradeCache(redis_server.url), SQLiteGradeCache(tmp_path / "b.sqlite3"))
    coordinator = ClaimsAfter(b_cache, gate)
    b = Grader(judges={"j": judges[1]}, default_judge="j", cache=b_cache, coordinator=coordinator)
    late = asyncio.create_task(b.grade([GradeInput("dog", "samoyed")]))
    await asyncio.wait_for(coordinator.claiming.wait(), timeout=10)  # b looked up (a miss) and is claiming
    first = await a.grade([GradeInput("dog", "samoyed")])  # judged and cached
    key = cache_key(JudgeRequest("dog", "samoyed"), await judges[1].identity())

    async def released() -> None:  # a releases its lock once its grade is out
        while await b_cache.locked([key]):
            await asyncio.sleep(0.01)

    await asyncio.wait_for(released(), timeout=10)
    gate.set()  # b's claim now succeeds
    second = await asyncio.wait_for(late, timeout=10)
    assert (len(judges[0].judged), len(judges[1].judged)) == (1, 0)  # b found a's grade after claiming
    assert first.grades[0].source is Source.JUDGE and second.grades[0].source is Source.CACHE
    assert second.grades[0].category is Category.MORE_SPECIFIC
    assert await b_cache.locked([key]) == set()  # and b released the lock it took
    await a.aclose()
    await b.aclose()


async def test_a_waiter_takes_over_when_the_owner_died(redis_server, tmp_path):
    judge = ScriptedJudge({("dog", "samoyed"): Category.MORE_SPECIFIC})
    grader, cache = replica(redis_server.url, tmp_path, "b", judge, lock_ttl_s=0.5)
    # A replica that died while judging this pair: its lock is there, no grade will come.
    key = cache_key(JudgeRequest("dog", "samoyed"), await judge.identity())
    assert await cache.claim([key], "dead-replica", 500) == {key}
    grades = (await asyncio.wait_for(grader.grade([GradeInput("dog", "samoyed")]), timeout=10)).grades
    assert grades[0].status is Status.OK and grades[0].category is Category.MORE_SPECIFIC
    assert len(judge.judged) == 1  # taken over once the lock expired
    await grader.aclose()


async def test_a_slow_judge_keeps_its_lease_so_the_pair_is_judged_once(redis_server, tmp_path):
    # the judge takes five times the lease: the owner renews it, and the other replica waits
    judges = [ScriptedJudge({("dog", "samoyed"): Category.MORE_SPECIFIC}, delay=1.5) for _ in range(2)]
    (a, _), (b, _) = (
        replica(redis_server.url, tmp_path, n, j, lock_ttl_s=0.3) for n, j in zip("ab", judges, strict=True)
    )
    first, second = await asyncio.gather(
        a.grade([GradeInput("dog", "samoyed")]), b.grade([GradeInput("dog", "samoyed")])
    )
    assert sum(len(j.judged) for j in judges) == 1
    assert first.grades[0].category is second.grades[0].category is Category.MORE_SPECIFIC
    await a.aclose()
    await b.aclose()


async def test_redis_going_away_and_coming_back(redis_server, tmp_path):
    switches = []
    metrics = ServiceMetrics()
    metrics.cache_configured("redis")

    def on_switch(backend):
        switches.append(backend)
        metrics.cache_backend_switched(backend)

    judge = ScriptedJudge()
    grader, cache = replica(redis_server.url, tmp_path, "a", judge, on_switch=on_switch)
    await grader.grade([GradeInput("dog", "wolf")])
    assert cache.backend == "redis"

    redis_server.stop()
    down = (await grader.grade([GradeInput("dog", "wolf"), GradeInput("dog", "fox")])).grades
    assert [g.status for g in down] == [Status.OK, Status.OK]  # graded all the same
    assert down[0].source is Source.CACHE  # written through to the embedded cache before
    assert cache.backend == "embedded" and switches == ["embedded"]
    assert await grader.check_ready() == {"cache": "ok", "judge:j": "ok"}  # degraded, not down
    assert metrics.registry.get_sample_value("verifier_cache_fallback") == 1.0
    assert metrics.registry.get_sample_value("verifier_cache_backend", {"backend": "embedded"}) == 1.0

    redis_server.start()
    await asyncio.sleep(0.3)  # past retry_s
    again = (await grader.grade([GradeInput("dog", "fox"), GradeInput("dog", "cat")])).grades
    assert cache.backend == "redis" and switches == ["embedded", "redis"]
    assert again[0].source is Source.CACHE and again[1].source is Source.JUDGE
    sample = metrics.registry.get_sample_value
    assert sample("verifier_cache_switches_total") == 2.0  # away and back
    assert sample("verifier_cache_backend", {"backend": "redis"}) == 1.0 and sample("verifier_cache_fallback") == 0.0
    await grader.aclose()


class ControlledRedis:
    """Stands for ``RedisGradeCache`` where the order of events must be exact: operations can be
    held open and then failed, as calls in flight are when Redis dies or hangs."""

    url = "redis://controlled"

    def __init__(self):
        self.up = True
        self.held: list[asyncio.Future] = []

    async def _answer(self, value):
        if not self.up:
            raise ConnectionError("connection refused")
        return value

    async def get_many(self, keys):
        return await self._answer({})

    async def get_many_held(self, keys):
        future = asyncio.get_running_loop().create_future()
        self.held.append(future)
        return await future

    async def put_many(self, entries):
        await self._answer(None)

    async def check_ready(self):
        await self._answer(None)

    async def aclose(self):
        pass


async def test_a_late_failure_from_before_the_recovery_does_not_switch_again(tmp_path):
    switches = []
    primary = ControlledRedis()
    cache = FailoverCache(primary, SQLiteGradeCache(tmp_path / "e.sqlite3"), retry_s=0.05, on_switch=switches.append)
    in_flight = asyncio.create_task(cache._on_primary(lambda: primary.get_many_held(["a"])))  # started while up
    await asyncio.sleep(0.01)
    primary.up = False
    await cache.get_many(["b"])  # fails: to the embedded cache
    primary.up = True
    await asyncio.sleep(0.06)
    await cache.get_many(["c"])  # past retry_s: a probe answers, back to Redis
    primary.held[0].set_exception(ConnectionError("timed out"))  # the old call fails only now
    assert await in_flight == (False, None)
    await cache.get_many(["d"])
    assert switches == ["embedded", "redis"] and cache.backend == "redis"


async def test_only_a_probe_switches_back(tmp_path):
    switches = []
    primary = ControlledRedis()
    cache = FailoverCache(primary, SQLiteGradeCache(tmp_path / "e.sqlite3"), retry_s=0.05, on_switch=switches.append)
    primary.up = False
    await cache.get_many(["a"])
    await asyncio.sleep(0.06)
    await asyncio.gather(*(cache.get_many([str(n)]) for n in range(20)))  # many callers, one probe, still down
    primary.up = True
    await asyncio.sleep(0.06)
    await asyncio.gather(*(cache.get_many([str(n)]) for n in range(20)))
    assert switches == ["embedded", "redis"]


@pytest.mark.slow
async def test_two_outages_under_load_are_four_switches(redis_server, tmp_path):
    switches = []
    cache = FailoverCache(
        RedisGradeCache(redis_server.url, timeout_s=0.3),
        SQLiteGradeCache(tmp_path / "e.sqlite3"),
        retry_s=0.2,
        on_switch=switches.append,
    )
    stop = asyncio.Event()

    async def load(n):
        while not stop.is_set():
            await cache.put_many({f"k{n}": Judgement(Category.WRONG)})
            await cache.get_many([f"k{n}", "other"])
            await asyncio.sleep(0.005)

    workers = [asyncio.create_task(load(n)) for n in range(8)]
    for outage in ("kill", "hang"):
        await asyncio.sleep(0.3)
        if outage == "kill":
            redis_server.stop()
        else:
            redis_server.server.process.send_signal(signal.SIGSTOP)  # hung: calls time out instead of failing
        await asyncio.sleep(1.0)
        if outage == "kill":
            redis_server.start()
        else:
            redis_server.server.process.send_signal(signal.SIGCONT)
        await asyncio.sleep(1.0)
    stop.set()
    await asyncio.gather(*workers)
    assert switches == ["embedded", "redis", "embedded", "redis"]
    await cache.aclose()

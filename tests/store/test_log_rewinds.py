"""A store that comes back with less than it had (issue 33, finding 3), against a real redis-server:
restarted empty, or failed over to a copy missing the tail. Replicas notice at their next sync,
put the lost corrections back at their own numbers, never give a number to a second correction,
and report what they could not put back."""

import asyncio
import re

import redis
from support.fakes import ScriptedJudge
from support.waiting import eventually

from verifier_service.config import Settings
from verifier_service.grading import Category

PAIRS = [("sushi", "Japanese food"), ("dog", "cat"), ("lion", "big cat")]


def replicas(asgi_server, redis_server, tmp_path, *names):
    made = [Settings(data_dir=tmp_path / n, cache="redis", redis_url=redis_server.url, state_sync_s=0.1) for n in names]
    return [asgi_server(s, {"j": ScriptedJudge(default=Category.ABSTAIN)}) for s in made]


async def correct(http, ground_truth, prediction, category="generic"):
    """As a client does: a 503 is retried after its Retry-After (after a loss, while replicas put
    the log back, appends are held off)."""
    body = {"ground_truth": ground_truth, "prediction": prediction, "category": category}
    for _ in range(5):
        answer = await http.post("/corrections", json=body)
        if answer.status_code != 503:
            break
        assert "putting them back" in answer.text, answer.text
        await asyncio.sleep(float(answer.headers["Retry-After"]))
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


async def listed(http):
    return [(c["id"], c["ground_truth"]) for c in (await http.get("/corrections")).json()["active"]]


async def test_restarted_empty_the_replicas_put_the_log_back_and_ids_go_on(asgi_server, redis_server, tmp_path):
    one, other = replicas(asgi_server, redis_server, tmp_path, "a", "b")
    async with one as a, other as b, a.client() as first, b.client() as second:
        assert [await correct(first, *pair) for pair in PAIRS] == [1, 2, 3]
        assert await eventually(lambda: _has(second, 3), 5)
        redis_server.stop()
        redis_server.start()  # empty: no persistence
        assert redis.Redis.from_url(redis_server.url).llen("verifier:state:log:corrections") == 0
        await asyncio.sleep(0.2)
        new_id = await correct(second, "fox", "vulpes", "specific")  # the first write after the loss
        assert new_id == 4  # never 1 again: the log was put back first
        assert redis.Redis.from_url(redis_server.url).llen("verifier:state:log:corrections") == 4
        assert await eventually(lambda: _has(first, 4), 5)
        assert await listed(first) == await listed(second)
        reverted = await first.post("/corrections/1/revert", json={})
        assert reverted.status_code == 200 and reverted.json()["ground_truth"] == "sushi"  # the same #1 everywhere
        metrics = (await first.get("/metrics")).text + (await second.get("/metrics")).text
        noticed = re.findall(r'verifier_shared_state_rewinds_total\{feature="corrections"\} (\S+)', metrics)
        assert sum(map(float, noticed)) >= 1  # by whichever replica synced first (both syncs run on their own)
        assert metrics.count('verifier_shared_state_divergences_total{feature="corrections"} 0.0') == 2


async def test_a_lagging_copy_gets_its_tail_back(asgi_server, redis_server, tmp_path):
    (one,) = replicas(asgi_server, redis_server, tmp_path, "a")
    async with one as a, a.client() as http:
        for pair in PAIRS:
            await correct(http, *pair)
        redis.Redis.from_url(redis_server.url).ltrim("verifier:state:log:corrections", 0, 0)  # a copy missing 2, 3
        await asyncio.sleep(0.2)
        assert await http.post("/grade", json={"items": [{"ground_truth": "x", "prediction": "y"}]})
        assert redis.Redis.from_url(redis_server.url).llen("verifier:state:log:corrections") == 3
        assert [i for i, _ in await listed(http)] == [1, 2, 3]


async def test_other_entries_where_the_lost_ones_were_are_reported_not_overwritten(asgi_server, redis_server, tmp_path):
    one, late = replicas(asgi_server, redis_server, tmp_path, "a", "c")
    async with one as a, a.client() as first:
        for pair in PAIRS[:2]:
            await correct(first, *pair)
        paused = a.app.state.services  # replica a stalls (a long GC pause, say): it does not sync
        for task in paused.background:
            task.cancel()
        paused.corrections.synced.interval_s = 3600
        redis_server.stop()
        redis_server.start()
        async with late as c, c.client() as third:  # started after the loss: it saw nothing
            assert await correct(third, "fox", "vulpes", "specific") == 1
            paused.corrections.synced.interval_s = 0.1  # a goes on
            await asyncio.sleep(0.2)
            await first.post("/grade", json={"items": [{"ground_truth": "x", "prediction": "y"}]})
            assert await listed(first) == [(1, "fox")]  # the store's log, as it is
            metrics = (await first.get("/metrics")).text
            assert 'verifier_shared_state_divergences_total{feature="corrections"} 1.0' in metrics
            assert await correct(first, "owl", "bird") == 2


async def _has(http, count):
    return len(await listed(http)) >= count
